/**
 * The keeper's Prometheus metrics, on prom-client: Node and process metrics (prom-client's defaults), the keeper's
 * counters, gauges and histograms, and `keeper_build_info`. Every counter is present at 0 from the start: for the
 * label values known at start (indexes, RPC endpoints, peers, transaction kinds, reasons) the series are created
 * at 0, so `increase()` and alerts work from the first scrape.
 */
import { Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry, collectDefaultMetrics } from "prom-client";
import { KEEPER_VERSION } from "../projectRoot.js";

export type Labels = Record<string, string>;

/** A counter with the keeper's call shape: `inc(labels, by)`; `get` reads one series (tests, status). */
export class Counter {
  constructor(
    readonly name: string,
    readonly prom: PromCounter<string>,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} can only increase, got ${by}`);
    this.prom.inc(labels, by);
  }
  async get(labels: Labels = {}): Promise<number> {
    return valueOf(await this.prom.get(), labels);
  }
}

/** A gauge; bigint values (wei) are exported as floats, as every Prometheus value is. */
export class Gauge {
  constructor(readonly prom: PromGauge<string>) {}
  set(labels: Labels, value: number | bigint): void {
    this.prom.set(labels, Number(value));
  }
  async get(labels: Labels = {}): Promise<number> {
    return valueOf(await this.prom.get(), labels);
  }
}

function valueOf(m: { values: { labels: Record<string, unknown>; value: number }[] }, labels: Labels): number {
  const want = Object.entries(labels);
  const hit = m.values.find((v) => Object.keys(v.labels).length === want.length && want.every(([k, x]) => String(v.labels[k]) === x));
  return hit?.value ?? 0;
}

/** Label values known at start: their counter series are created at 0. */
export interface KnownLabels {
  indexes?: readonly string[];
  rpcUrls?: readonly string[];
  peers?: readonly string[];
  /** Source kind per index name, for keeper_source_failures_total. */
  sources?: readonly { index: string; kind: string }[];
}

/** Content-Type of the text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const TX_KINDS = ["post", "liquidate", "closeOut", "record", "settle"];
const TX_STATUSES = ["confirmed", "reverted", "lost_race", "cancelled"];
const RACE_OUTCOMES = ["skipped", "deferred", "cancelled", "reverted"];
const RPC_KINDS = ["timeout", "network", "http", "invalid", "chain_id"];
const FIXING_FAILURES = ["source", "no_fixing", "out_of_bounds", "error"];
const REFUSALS = ["last_fixing", "peers", "SOURCE_SCALE_SUSPECT", "IMPLAUSIBLE_VALUE", "shared_key"];
const LIQUIDATION_RESULTS = ["sent", "confirmed", "skipped", "failed"];

/** The keeper's metrics, one registry per process (a fresh one per call: tests build many). */
export function createKeeperMetrics(known: KnownLabels = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter(name, new PromCounter({ name, help, labelNames, registers: [registry] }));
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge(new PromGauge({ name, help, labelNames, registers: [registry] }));
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new PromHistogram({ name, help, labelNames, buckets, registers: [registry] });

  const m = {
    registry,
    buildInfo: gauge("keeper_build_info", "Always 1; the labels say which keeper runs (version, Node version).", ["version", "node"]),
    fixingsSigned: counter("keeper_fixings_signed_total", "Observations this operator signed, per index.", ["index"]),
    fixingsPosted: counter("keeper_fixings_posted_total", "Fixings this keeper posted and saw confirmed, per index.", ["index"]),
    postRacesLost: counter(
      "keeper_post_races_lost_total",
      "Rounds another operator posted first while this keeper was about to post, per index and outcome: skipped (its simulation saw the round posted) and deferred (the other post was pending) send nothing; cancelled (ours was unmined: nonce filled with a self-transfer); reverted (both sent before either was visible: gas spent, never counted as a post).",
      ["index", "outcome"],
    ),
    lastFixingAge: gauge("keeper_last_fixing_age_seconds", "Chain time minus the timestamp of the latest on-chain fixing, per index.", ["index"]),
    lastOwnPostAge: gauge("keeper_last_own_post_age_seconds", "Seconds since this keeper's last confirmed post, per index (absent before the first).", ["index"]),
    liquidations: counter("keeper_liquidations_total", "Liquidations by result (sent, confirmed, skipped, failed).", ["result"]),
    rpcErrors: counter("keeper_rpc_errors_total", "Failed RPC requests per endpoint and kind (timeout, network, http, invalid, chain_id).", ["url", "kind"]),
    rpcHealthy: gauge("keeper_rpc_endpoint_healthy", "1 if the endpoint is currently used, 0 if skipped.", ["url"]),
    rpcDuration: histogram("keeper_rpc_request_duration_seconds", "Duration of JSON-RPC requests per endpoint (answered or failed).", ["url"], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    chainHead: gauge("keeper_chain_head_block", "Highest block number seen on a healthy endpoint."),
    chainHeadAge: gauge("keeper_chain_head_age_seconds", "Local time minus the time the chain head last advanced."),
    gasBalance: gauge("keeper_gas_balance_wei", "Balance of the gas-paying account, in wei.", ["account"]),
    gasSpent: counter("keeper_gas_spent_wei_total", "Wei paid for gas by this keeper's mined transactions (gasUsed x effectiveGasPrice), per kind.", ["kind"]),
    txSent: counter("keeper_tx_sent_total", "Transactions broadcast (first attempts), per kind.", ["kind"]),
    txReplaced: counter("keeper_tx_replaced_total", "Replacement attempts (same nonce, higher fee), per kind.", ["kind"]),
    txConfirmed: counter("keeper_tx_confirmed_total", "Final transactions, per kind and status (confirmed, reverted, lost_race: reverted because another sender did the action first, cancelled).", ["kind", "status"]),
    txConfirmSeconds: histogram("keeper_tx_confirm_seconds", "Local time from a transaction's first signing to its confirmation, per kind.", ["kind"], [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800]),
    txInFlight: gauge("keeper_tx_in_flight", "Transactions with a nonce that are not yet final."),
    feeCapHits: counter("keeper_fee_cap_hits_total", "Times a fee was held at the configured cap (send deferred or bump stopped), per kind.", ["kind"]),
    fixingFailures: counter("keeper_fixing_failures_total", "Rounds this operator could not observe, per index and reason (source, no_fixing, out_of_bounds, error).", ["index", "reason"]),
    sourceFailures: counter("keeper_source_failures_total", "Failed reads of a price source, per index and source kind.", ["index", "source"]),
    roundLatency: histogram("keeper_round_latency_seconds", "Chain time from a round's timestamp to this keeper seeing its own post of it confirmed, per index.", ["index"], [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200]),
    quorumHave: gauge("keeper_quorum_have", "Agreeing observations in hand for the latest due round, per index.", ["index"]),
    quorumNeed: gauge("keeper_quorum_need", "The oracle's quorum for the index.", ["index"]),
    signerRegistered: gauge("keeper_signer_registered", "1 if the signing key is a registered operator of the index, else 0.", ["index"]),
    settlementActions: counter("keeper_settlement_actions_total", "recordSettlementFixing / settle transactions sent, per action.", ["action"]),
    peerErrors: counter("keeper_peer_errors_total", "Failed or invalid observation fetches per peer.", ["peer"]),
    peerUp: gauge("keeper_peer_up", "1 if the peer's last observation fetch succeeded, else 0.", ["peer"]),
    signaturesRefused: counter(
      "keeper_signatures_refused_total",
      "Rounds this operator did not sign because its value deviated too far or the methodology refused the source's data, per index and reason (last_fixing, peers, SOURCE_SCALE_SUSPECT, IMPLAUSIBLE_VALUE, shared_key: another keeper signs with this key).",
      ["index", "reason"],
    ),
    lastDeviation: gauge(
      "keeper_fixing_deviation_bps",
      "Deviation (bps, |a-b|/min) of this operator's latest computed value from its reference, per index and reference (last_fixing, peers).",
      ["index", "reference"],
    ),
    fixingsHeld: counter("keeper_fixings_held_total", "Fixings the oracle's circuit breaker held (FixingHeld seen), per index.", ["index"]),
    breakerConfirmations: counter("keeper_breaker_confirmations_total", "Confirmation rounds of a held fixing this keeper posted, per index.", ["index"]),
  };

  m.buildInfo.set({ version: KEEPER_VERSION, node: process.version }, 1);
  for (const kind of TX_KINDS) {
    for (const c of [m.txSent, m.txReplaced, m.feeCapHits, m.gasSpent]) c.inc({ kind }, 0);
    for (const status of TX_STATUSES) m.txConfirmed.inc({ kind, status }, 0);
  }
  for (const result of LIQUIDATION_RESULTS) m.liquidations.inc({ result }, 0);
  for (const action of ["record", "settle"]) m.settlementActions.inc({ action }, 0);
  for (const index of known.indexes ?? []) {
    for (const c of [m.fixingsSigned, m.fixingsPosted, m.fixingsHeld, m.breakerConfirmations]) c.inc({ index }, 0);
    for (const reason of FIXING_FAILURES) m.fixingFailures.inc({ index, reason }, 0);
    for (const reason of REFUSALS) m.signaturesRefused.inc({ index, reason }, 0);
    for (const outcome of RACE_OUTCOMES) m.postRacesLost.inc({ index, outcome }, 0);
  }
  for (const s of known.sources ?? []) m.sourceFailures.inc({ index: s.index, source: s.kind }, 0);
  for (const url of known.rpcUrls ?? []) for (const kind of RPC_KINDS) m.rpcErrors.inc({ url, kind }, 0);
  for (const peer of known.peers ?? []) m.peerErrors.inc({ peer }, 0);
  return m;
}

export type KeeperMetrics = ReturnType<typeof createKeeperMetrics>;
