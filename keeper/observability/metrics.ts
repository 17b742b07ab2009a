/** A small Prometheus registry (counters and gauges with labels) rendered in the text exposition format 0.0.4. */

export type Labels = Record<string, string>;
type Value = number | bigint;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  for (const n of names) if (!LABEL.test(n)) throw new Error(`invalid metric label name ${JSON.stringify(n)}`);
  return names.map((n) => `${n}="${escapeLabel(labels[n] ?? "")}"`).join(",");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: Value): string {
  if (typeof v === "bigint") return v.toString();
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

abstract class Metric {
  protected readonly values = new Map<string, Value>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
  }
  /** Current value for a label set (0 if never set). */
  get(labels: Labels = {}): Value {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${this.name} ${this.type}`];
    for (const [key, v] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${formatValue(v)}`);
    return lines.join("\n");
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} can only increase, got ${by}`);
    const key = labelKey(labels);
    this.values.set(key, Number(this.values.get(key) ?? 0) + by);
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels, value: Value): void {
    this.values.set(labelKey(labels), value);
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors: Array<() => void> = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  /** A function run before each render, to refresh gauges computed on demand (ages, balances). */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }
  render(): string {
    for (const fn of this.collectors) fn();
    return [...this.metrics.values()].map((m) => m.render()).join("\n") + "\n";
  }
  private add<M extends Metric>(m: M): M {
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.set(m.name, m);
    return m;
  }
}

/** Content-Type of the text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The keeper's metrics, one registry per process. */
export function createKeeperMetrics(registry = new Registry()) {
  return {
    registry,
    fixingsSigned: registry.counter("keeper_fixings_signed_total", "Observations this operator signed, per index."),
    fixingsPosted: registry.counter("keeper_fixings_posted_total", "Fixings this keeper posted and saw confirmed, per index."),
    lastFixingAge: registry.gauge("keeper_last_fixing_age_seconds", "Chain time minus the timestamp of the latest on-chain fixing, per index."),
    liquidations: registry.counter("keeper_liquidations_total", "Liquidations by result (sent, confirmed, skipped, failed)."),
    rpcErrors: registry.counter("keeper_rpc_errors_total", "Failed RPC requests per endpoint and kind (timeout, http, network, chain_id, lag)."),
    rpcHealthy: registry.gauge("keeper_rpc_endpoint_healthy", "1 if the endpoint is currently used, 0 if skipped."),
    chainHead: registry.gauge("keeper_chain_head_block", "Highest block number seen on a healthy endpoint."),
    chainHeadAge: registry.gauge("keeper_chain_head_age_seconds", "Local time minus the time the chain head last advanced."),
    gasBalance: registry.gauge("keeper_gas_balance_wei", "Balance of the gas-paying account, in wei."),
    txSent: registry.counter("keeper_tx_sent_total", "Transactions broadcast (first attempts), per kind."),
    txReplaced: registry.counter("keeper_tx_replaced_total", "Replacement attempts (same nonce, higher fee)."),
    txConfirmed: registry.counter("keeper_tx_confirmed_total", "Transactions confirmed, per kind and status."),
    txInFlight: registry.gauge("keeper_tx_in_flight", "Transactions with a nonce that are not yet confirmed."),
    feeCapHits: registry.counter("keeper_fee_cap_hits_total", "Times a fee was held at the configured cap (send deferred or bump stopped)."),
    fixingFailures: registry.counter("keeper_fixing_failures_total", "Rounds this operator could not observe, per index and reason (source, no_fixing, error)."),
    settlementActions: registry.counter("keeper_settlement_actions_total", "recordSettlementFixing / settle transactions sent, per action."),
    peerErrors: registry.counter("keeper_peer_errors_total", "Failed or invalid observation fetches per peer."),
    signaturesRefused: registry.counter(
      "keeper_signatures_refused_total",
      "Rounds this operator did not sign because its value deviated too far or the methodology refused the source's data, per index and reason (last_fixing, peers, SOURCE_SCALE_SUSPECT, IMPLAUSIBLE_VALUE).",
    ),
    lastDeviation: registry.gauge(
      "keeper_fixing_deviation_bps",
      "Deviation (bps, |a-b|/min) of this operator's latest computed value from its reference, per index and reference (last_fixing, peers).",
    ),
    fixingsHeld: registry.counter("keeper_fixings_held_total", "Fixings the oracle's circuit breaker held (FixingHeld events seen), per index."),
    breakerConfirmations: registry.counter("keeper_breaker_confirmations_total", "Confirmation rounds of a held fixing this keeper posted, per index."),
  };
}

export type KeeperMetrics = ReturnType<typeof createKeeperMetrics>;
