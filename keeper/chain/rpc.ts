/**
 * Several JSON-RPC endpoints behind one EIP-1193 `request`, used by viem through a custom transport.
 *
 * An endpoint is used only while (a) its chain id was checked and equals the configured one, (b) its head is at
 * most `maxHeadLagBlocks` behind the best head seen and has advanced within `frozenHeadSeconds` (when set), and
 * (c) it is not cooling down after `failuresBeforeCooldown` consecutive transport failures. Transport failures
 * (timeout, connection error, HTTP status other than 200, unparsable body, an answer to another request id, a result
 * that is not what the method returns: `resultProblem`) fail over to the next endpoint in config order; a JSON-RPC
 * error answer (revert, "nonce too low", ...) is the node's verdict and goes to the
 * caller unchanged. Before `eth_sendRawTransaction` the endpoint's chain id is checked again, on the spot.
 */
import { type Chain, type PublicClient, createPublicClient, custom, defineChain } from "viem";
import { type Logger, RateLimiter, silentLogger, urlLabel } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { sleep } from "../observability/shutdown.js";

export type RpcFailureKind = "timeout" | "network" | "http" | "invalid" | "chain_id" | "lag" | "frozen";

/** A transport-level failure of one endpoint (the request may succeed on another). */
export class RpcTransportError extends Error {
  override readonly name = "RpcTransportError";
  constructor(
    readonly endpoint: string,
    readonly kind: RpcFailureKind,
    detail: string,
  ) {
    super(`${endpoint}: ${kind}: ${detail}`);
  }
}

/** No endpoint is currently usable; `reasons` says why for each. */
export class NoHealthyRpcError extends Error {
  override readonly name = "NoHealthyRpcError";
  constructor(readonly reasons: string[]) {
    super(`no usable RPC endpoint: ${reasons.join("; ")}`);
  }
}

/** A JSON-RPC error answer, shaped as viem expects from an EIP-1193 provider (code, message, data). */
export class JsonRpcAnswerError extends Error {
  override readonly name = "JsonRpcAnswerError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface RpcPoolOptions {
  urls: readonly string[];
  chainId: number;
  timeoutMs?: number;
  maxHeadLagBlocks?: number;
  /** Skip an endpoint whose head has not changed for this long (0 = off; quiet local chains never advance). */
  frozenHeadSeconds?: number;
  failuresBeforeCooldown?: number;
  cooldownMs?: number;
  log?: Logger;
  metrics?: KeeperMetrics;
  now?: () => number;
  /** Called after every probe of all endpoints with their status (health: blind while none is usable). */
  onProbe?: (status: EndpointStatus[]) => void;
}

interface Endpoint {
  url: string;
  label: string;
  chainId?: number;
  head?: bigint;
  headChangedAtMs?: number;
  consecutiveFailures: number;
  cooldownUntilMs: number;
  errors: number;
  requests: number;
}

export interface EndpointStatus {
  label: string;
  usable: boolean;
  reason?: string;
  chainId?: number;
  head?: bigint;
  errors: number;
  requests: number;
}

type RequestArgs = { method: string; params?: unknown };

export class RpcPool {
  private readonly endpoints: Endpoint[];
  private readonly opts: Required<Omit<RpcPoolOptions, "metrics" | "urls" | "onProbe">> & Pick<RpcPoolOptions, "metrics" | "onProbe">;
  /** Whether some endpoint was usable at the last probe (for logging the transitions once). */
  private anyUsable = true;
  private readonly limiter: RateLimiter;
  private nextId = 1;
  /** The first probe of all endpoints; requests wait for it once (later probes run in the background). */
  private firstProbe: Promise<void> | undefined;

  constructor(options: RpcPoolOptions) {
    if (options.urls.length === 0) throw new Error("RpcPool needs at least one URL");
    this.limiter = new RateLimiter(30_000, options.now ?? Date.now);
    const labels = rpcLabels(options.urls);
    this.endpoints = options.urls.map((url, i) => ({ url, label: labels[i] as string, consecutiveFailures: 0, cooldownUntilMs: 0, errors: 0, requests: 0 }));
    this.opts = {
      chainId: options.chainId,
      timeoutMs: options.timeoutMs ?? 5_000,
      maxHeadLagBlocks: options.maxHeadLagBlocks ?? 3,
      frozenHeadSeconds: options.frozenHeadSeconds ?? 0,
      failuresBeforeCooldown: options.failuresBeforeCooldown ?? 3,
      cooldownMs: options.cooldownMs ?? 30_000,
      log: options.log ?? silentLogger,
      now: options.now ?? Date.now,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.onProbe ? { onProbe: options.onProbe } : {}),
    };
  }

  /** EIP-1193 entry point: the first usable endpoint that answers. */
  async request({ method, params }: RequestArgs): Promise<unknown> {
    await (this.firstProbe ?? this.probeAll());
    let candidates = this.usable();
    if (candidates.length === 0) {
      await this.probeAll();
      candidates = this.usable();
      if (candidates.length === 0) throw new NoHealthyRpcError(this.status().map((s) => `${s.label}: ${s.reason}`));
    }
    let last: unknown;
    for (const ep of candidates) {
      try {
        if (method === "eth_sendRawTransaction") await this.checkChainId(ep);
        const result = await this.call(ep, method, params);
        if (method === "eth_blockNumber" && typeof result === "string") this.recordHead(ep, BigInt(result));
        return result;
      } catch (e) {
        if (!(e instanceof RpcTransportError)) throw e;
        last = e;
        this.limiter.warn(this.opts.log, ep.label, "rpc failover", { endpoint: ep.label, method, kind: e.kind, error: e.message });
      }
    }
    throw last;
  }

  /** Checks chain id and head of every endpoint (in parallel); run on start and then every probe interval. */
  probeAll(): Promise<void> {
    const run = Promise.all(this.endpoints.map((ep) => this.probe(ep))).then(() => this.publish());
    this.firstProbe ??= run;
    return run;
  }

  /** Probes every `intervalMs` until `signal` aborts. */
  async start(intervalMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.probeAll();
      await sleep(intervalMs, signal); // removes its abort listener when it wakes: none piles up per probe
    }
  }

  /** Highest head seen on an endpoint of the right chain. */
  bestHead(): bigint | undefined {
    let best: bigint | undefined;
    for (const ep of this.endpoints) {
      if (ep.chainId === this.opts.chainId && ep.head !== undefined && (best === undefined || ep.head > best)) best = ep.head;
    }
    return best;
  }

  status(): EndpointStatus[] {
    return this.endpoints.map((ep) => {
      const reason = this.unusableReason(ep);
      return {
        label: ep.label,
        usable: reason === undefined,
        ...(reason !== undefined ? { reason } : {}),
        ...(ep.chainId !== undefined ? { chainId: ep.chainId } : {}),
        ...(ep.head !== undefined ? { head: ep.head } : {}),
        errors: ep.errors,
        requests: ep.requests,
      };
    });
  }

  /** A viem transport over this pool (viem's own retries off: failover happens here). */
  transport() {
    return custom(this, { retryCount: 0 });
  }

  private usable(): Endpoint[] {
    return this.endpoints.filter((ep) => this.unusableReason(ep) === undefined);
  }

  private unusableReason(ep: Endpoint): string | undefined {
    const now = this.opts.now();
    if (ep.chainId === undefined) return "chain id not verified";
    if (ep.chainId !== this.opts.chainId) return `wrong chain id ${ep.chainId} (expected ${this.opts.chainId})`;
    if (now < ep.cooldownUntilMs) return `cooling down after ${ep.consecutiveFailures} failures`;
    const best = this.bestHead();
    if (ep.head !== undefined && best !== undefined && best - ep.head > BigInt(this.opts.maxHeadLagBlocks)) {
      return `head ${ep.head} lags best ${best} by more than ${this.opts.maxHeadLagBlocks} blocks`;
    }
    const frozenMs = this.opts.frozenHeadSeconds * 1000;
    if (frozenMs > 0 && ep.headChangedAtMs !== undefined && now - ep.headChangedAtMs > frozenMs) {
      return `head ${ep.head} frozen for more than ${this.opts.frozenHeadSeconds}s`;
    }
    return undefined;
  }

  private async probe(ep: Endpoint): Promise<void> {
    try {
      const [chainId, head] = await Promise.all([this.call(ep, "eth_chainId", []), this.call(ep, "eth_blockNumber", [])]);
      this.setChainId(ep, chainId);
      if (typeof head !== "string") throw new RpcTransportError(ep.label, "invalid", "eth_blockNumber is not a hex string");
      this.recordHead(ep, BigInt(head));
      if (ep.cooldownUntilMs > this.opts.now()) {
        // A benched endpoint returns as soon as its probe succeeds: the cooldown is only the longest it stays out.
        ep.cooldownUntilMs = 0;
        this.opts.log.info("rpc endpoint recovered: back in use", { endpoint: ep.label });
      }
    } catch (e) {
      if (e instanceof RpcTransportError || e instanceof JsonRpcAnswerError) {
        this.opts.log.debug("rpc probe failed", { endpoint: ep.label, error: e });
        return;
      }
      throw e;
    }
  }

  private async checkChainId(ep: Endpoint): Promise<void> {
    this.setChainId(ep, await this.call(ep, "eth_chainId", []));
    if (ep.chainId !== this.opts.chainId) {
      this.fail(ep, "chain_id");
      throw new RpcTransportError(ep.label, "chain_id", `answers chain id ${ep.chainId}, expected ${this.opts.chainId}`);
    }
  }

  private setChainId(ep: Endpoint, value: unknown): void {
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]+$/.test(value)) {
      throw new RpcTransportError(ep.label, "invalid", "eth_chainId is not a hex quantity");
    }
    const id = Number(BigInt(value));
    if (id !== this.opts.chainId && ep.chainId !== id) {
      this.opts.log.error("rpc endpoint on wrong chain: skipped", { endpoint: ep.label, chainId: id, expected: this.opts.chainId });
      this.opts.metrics?.rpcErrors.inc({ url: ep.label, kind: "chain_id" });
      ep.errors++;
    }
    ep.chainId = id;
  }

  private recordHead(ep: Endpoint, head: bigint): void {
    if (ep.head === undefined || head !== ep.head) ep.headChangedAtMs = this.opts.now();
    ep.head = head;
  }

  private publish(): void {
    const status = this.status();
    const anyUsable = status.some((s) => s.usable);
    if (anyUsable !== this.anyUsable) {
      if (anyUsable) this.opts.log.info("rpc: an endpoint is usable again", { endpoints: status.filter((s) => s.usable).map((s) => s.label) });
      else this.opts.log.error("rpc: no usable endpoint (blind)", { reasons: status.map((s) => `${s.label}: ${s.reason}`) });
      this.anyUsable = anyUsable;
    }
    this.opts.onProbe?.(status);
    const m = this.opts.metrics;
    if (!m) return;
    for (const s of status) m.rpcHealthy.set({ url: s.label }, s.usable ? 1 : 0);
    const best = this.bestHead();
    if (best !== undefined) m.chainHead.set({}, best);
  }

  private fail(ep: Endpoint, kind: RpcFailureKind): void {
    ep.errors++;
    ep.consecutiveFailures++;
    if (ep.consecutiveFailures >= this.opts.failuresBeforeCooldown) {
      if (ep.cooldownUntilMs <= this.opts.now()) this.opts.log.warn("rpc endpoint benched", { endpoint: ep.label, kind, failures: ep.consecutiveFailures, cooldownMs: this.opts.cooldownMs });
      ep.cooldownUntilMs = this.opts.now() + this.opts.cooldownMs;
    }
    this.opts.metrics?.rpcErrors.inc({ url: ep.label, kind });
  }

  /** One JSON-RPC call to one endpoint, with the per-request timeout. */
  private async call(ep: Endpoint, method: string, params: unknown): Promise<unknown> {
    ep.requests++;
    const stop = this.opts.metrics?.rpcDuration.startTimer({ url: ep.label });
    try {
      return await this.callOnce(ep, method, params);
    } finally {
      stop?.();
    }
  }

  private async callOnce(ep: Endpoint, method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params: params ?? [] });
    let response: Response;
    try {
      response = await fetch(ep.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (e) {
      const timeout = (e as Error).name === "TimeoutError";
      this.fail(ep, timeout ? "timeout" : "network");
      throw new RpcTransportError(ep.label, timeout ? "timeout" : "network", timeout ? `no answer within ${this.opts.timeoutMs} ms` : (e as Error).message);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      this.fail(ep, "network");
      throw new RpcTransportError(ep.label, "network", `body read failed: ${(e as Error).message}`);
    }
    if (response.status !== 200) {
      this.fail(ep, "http");
      throw new RpcTransportError(ep.label, "http", `HTTP ${response.status}`);
    }
    let msg: { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    try {
      msg = JSON.parse(text) as typeof msg;
      if (msg === null || typeof msg !== "object" || (!("result" in msg) && !("error" in msg))) throw new Error("no result");
    } catch {
      this.fail(ep, "invalid");
      throw new RpcTransportError(ep.label, "invalid", `${method}: answer is not a JSON-RPC response`);
    }
    const problem = msg.id !== id ? `answer to request id ${JSON.stringify(msg.id)}, not ${id}` : msg.error ? undefined : resultProblem(method, params, msg.result);
    if (problem !== undefined) {
      this.fail(ep, "invalid");
      throw new RpcTransportError(ep.label, "invalid", `${method}: ${problem}`);
    }
    ep.consecutiveFailures = 0;
    if (msg.error) {
      const code = typeof msg.error.code === "number" ? msg.error.code : -32603;
      throw new JsonRpcAnswerError(code, typeof msg.error.message === "string" ? msg.error.message : "error", msg.error.data);
    }
    return msg.result;
  }
}

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const DATA = /^0x[0-9a-fA-F]*$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const QUANTITY_METHODS = new Set(["eth_chainId", "eth_blockNumber", "eth_getBalance", "eth_getTransactionCount", "eth_gasPrice", "eth_estimateGas", "eth_maxPriorityFeePerGas"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const shownResult = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);

/**
 * Why `result` cannot be the answer to `method` (undefined when it can), for the methods the keeper relies on: a
 * node never answers these otherwise, so such an answer is garbage from that endpoint (a broken proxy, a wrong
 * backend) and fails over instead of reaching viem's decoders. Other methods are passed through unchecked.
 */
export function resultProblem(method: string, params: unknown, result: unknown): string | undefined {
  const quantity = (v: unknown) => typeof v === "string" && QUANTITY.test(v);
  if (QUANTITY_METHODS.has(method)) return quantity(result) ? undefined : `result ${shownResult(result)} is not a hex quantity`;
  switch (method) {
    case "eth_call":
    case "eth_getCode":
      return typeof result === "string" && DATA.test(result) ? undefined : `result ${shownResult(result)} is not hex data`;
    case "eth_sendRawTransaction":
      return typeof result === "string" && HASH.test(result) ? undefined : `result ${shownResult(result)} is not a transaction hash`;
    case "eth_getLogs":
      return Array.isArray(result) ? undefined : `result ${shownResult(result)} is not an array of logs`;
    case "eth_getTransactionReceipt":
    case "eth_getTransactionByHash":
      return result === null || isObject(result) ? undefined : `result ${shownResult(result)} is not an object or null`;
    case "eth_getBlockByNumber":
    case "eth_getBlockByHash": {
      const tag = Array.isArray(params) ? params[0] : undefined;
      if (result === null) return tag === "latest" ? "no latest block (null)" : undefined;
      if (!isObject(result)) return `result ${shownResult(result)} is not a block`;
      if (!quantity(result["timestamp"]) || (tag !== "pending" && !quantity(result["number"]))) return "block without a hex number and timestamp";
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Log-safe labels of endpoints (scheme://host:port; `#i` added to a repeated one), as in logs and metrics. */
export function rpcLabels(urls: readonly string[]): string[] {
  const seen = new Set<string>();
  return urls.map((url, i) => {
    let label = urlLabel(url);
    if (seen.has(label)) label = `${label}#${i}`;
    seen.add(label);
    return label;
  });
}

/** A minimal viem chain definition for a chain id (the keeper does not rely on viem's chain registry). */
export function chainFor(chainId: number, rpcUrl = "http://127.0.0.1:8545"): Chain {
  return defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** A viem PublicClient whose every request goes through the pool. */
export function createFailoverClient(pool: RpcPool, chainId: number): PublicClient {
  return createPublicClient({ chain: chainFor(chainId), transport: pool.transport(), cacheTime: 0, pollingInterval: 250 });
}
