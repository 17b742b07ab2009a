/**
 * Exchange of signed observations between operators over HTTP, and the quorum decision.
 *
 * Each keeper serves the observations it signed at GET /observations?index=<name|0x id>&timestamp=<unix s>
 * (JSON: { instance, observations: [...] } with integers as decimal strings; `instance` identifies the serving keeper). Fetching from peers has a timeout and a size
 * limit, every signature is recovered and checked against the oracle's registered operators, and anything
 * malformed is dropped and counted: a peer serving garbage never crashes the loop.
 */
import { randomBytes } from "node:crypto";
import { type Address, type Hex, compactSignatureToSignature, getAddress, recoverTypedDataAddress } from "viem";
import { type SignedObservation, buildPostFixingArgs, observationTypes, oracleDomain } from "../../sdk/oracle.js";
import type { Journal } from "../chain/journal.js";
import { type Logger, type RateLimiter, rootCause, silentLogger, urlLabel } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { readBodyLimited } from "../observability/httpBody.js";
import { type Handler, json } from "../observability/server.js";
import { consistentSubset } from "./integrity.js";
import { observationSchema, peerAnswerSchema, roundQuerySchema } from "./observationSchema.js";

/** One round of one index: what all observations of a post must share. */
export interface Round {
  indexId: Hex;
  timestamp: bigint;
  methodologyVersion: number;
}

/** The JSON form of an observation. */
export interface ObservationJson {
  indexId: string;
  timestamp: string;
  methodologyVersion: number;
  value: string;
  inputsHash: string;
  signer: string;
  r: string;
  vs: string;
}

export function toJson(o: SignedObservation): ObservationJson {
  return {
    indexId: o.indexId,
    timestamp: o.timestamp.toString(),
    methodologyVersion: o.methodologyVersion,
    value: o.value.toString(),
    inputsHash: o.inputsHash,
    signer: getAddress(o.signer),
    r: o.r,
    vs: o.vs,
  };
}

/** Parses one observation from untrusted JSON (`observationSchema`); throws naming the offending field. */
export function parseObservation(x: unknown): SignedObservation {
  const r = observationSchema.safeParse(x);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(issue?.path.length ? `observation field ${String(issue.path[0])} is missing or malformed` : (issue?.message ?? "observation is not an object"));
}

/** Reads `index` (a name like "ATPI" or a 0x bytes32 id) and `timestamp` from a query (`roundQuerySchema`). */
export function parseRoundQuery(query: URLSearchParams): { indexId: Hex; timestamp: bigint } {
  const r = roundQuerySchema.safeParse({ index: query.get("index") ?? undefined, timestamp: query.get("timestamp") ?? undefined });
  if (r.success) return r.data;
  throw new Error(r.error.issues[0]?.message ?? "bad query");
}

const PROPOSALS_KEPT = 8;
const proposalsKey = (indexId: Hex) => `proposals:${indexId.toLowerCase()}`;

/**
 * Records the value this operator computed for a round BEFORE it decides to sign it, so peers can compare theirs
 * with it (integrity.ts) even while nobody has signed yet (the first round of an index). Unsigned: only ever used
 * to decide whether to sign, never posted. The last few rounds per index are kept.
 */
export function recordProposal(journal: Journal, indexId: Hex, timestamp: bigint, value: bigint): void {
  const kept = readProposals(journal, indexId).filter((p) => p.timestamp !== timestamp.toString());
  kept.push({ timestamp: timestamp.toString(), value: value.toString() });
  journal.set(proposalsKey(indexId), JSON.stringify(kept.slice(-PROPOSALS_KEPT)));
}

function readProposals(journal: Journal, indexId: Hex): { timestamp: string; value: string }[] {
  const text = journal.get(proposalsKey(indexId));
  return text === undefined ? [] : (JSON.parse(text) as { timestamp: string; value: string }[]);
}

const instances = new WeakMap<Journal, string>();

/**
 * A random id of the keeper serving from `journal` (one per journal and process), sent with its answers: a keeper
 * whose own URL is in its peers.urls finds its own answers by it (another keeper with the same key has another id).
 */
export function instanceOf(journal: Journal): string {
  let id = instances.get(journal);
  if (id === undefined) instances.set(journal, (id = randomBytes(8).toString("hex")));
  return id;
}

/**
 * GET /observations handler: the observations `signer` signed for the round, from the journal; while it signed
 * none, also `proposal`: the value it computed (unsigned; absent if it computed none).
 */
export function observationsRoute(journal: Journal, signer: Address): Handler {
  const me = signer.toLowerCase();
  return (query) => {
    let round: { indexId: Hex; timestamp: bigint };
    try {
      round = parseRoundQuery(query);
    } catch (e) {
      return json(400, { error: (e as Error).message });
    }
    const own = journal.observations(round.indexId, round.timestamp).filter((o) => o.signer.toLowerCase() === me);
    const proposal = own.length ? undefined : readProposals(journal, round.indexId).find((p) => p.timestamp === round.timestamp.toString());
    return json(200, { instance: instanceOf(journal), observations: own.map(toJson), ...(proposal ? { proposal: { value: proposal.value } } : {}) });
  };
}

export interface PeerFetchResult {
  peer: string;
  observations: SignedObservation[];
  /** The unsigned value the peer computed for the round, when it has signed none. */
  proposal?: bigint;
  /** The answering keeper's `instanceOf` id. */
  instance?: string;
  error?: string;
}

/** Fetches a peer's observations for a round; never throws (errors are returned). Bodies above `maxBytes` are cut. */
export async function fetchPeerObservations(
  peerUrl: string,
  round: { indexId: Hex; timestamp: bigint },
  opts: { timeoutMs: number; maxBytes?: number; signal?: AbortSignal },
): Promise<PeerFetchResult> {
  const peer = urlLabel(peerUrl);
  // Relative to the peer's base URL, so a keeper behind a path prefix (https://host/keeper/) works too.
  const url = new URL("observations", peerUrl.endsWith("/") ? peerUrl : `${peerUrl}/`);
  url.searchParams.set("index", round.indexId);
  url.searchParams.set("timestamp", round.timestamp.toString());
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  try {
    const res = await fetch(url, { signal: AbortSignal.any(signals) });
    const text = (await readBodyLimited(res, opts.maxBytes ?? 64 * 1024)).toString("utf8");
    if (res.status !== 200) return { peer, observations: [], error: `HTTP ${res.status}` };
    const answer = peerAnswerSchema.safeParse(JSON.parse(text));
    if (!answer.success) return { peer, observations: [], error: "no observations array" };
    const { proposal, instance } = answer.data;
    const observations: SignedObservation[] = [];
    const errors: string[] = [];
    for (const x of answer.data.observations.slice(0, 64)) {
      try {
        observations.push(parseObservation(x));
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    return { peer, observations, ...(proposal !== undefined ? { proposal } : {}), ...(instance !== undefined ? { instance } : {}), ...(errors.length ? { error: errors.join("; ") } : {}) };
  } catch (e) {
    const err = e as Error;
    const root = rootCause(err);
    return { peer, observations: [], error: err.name === "TimeoutError" ? `no answer within ${opts.timeoutMs} ms` : root === err.message ? root : `${err.message}: ${root}` };
  }
}

/**
 * Whether the observation passes the oracle's checks of it: its value within the oracle's bounds (when given), its
 * signature recovering to its claimed signer, and that signer a registered operator.
 */
export async function verifyObservation(
  o: SignedObservation,
  ctx: { chainId: number; oracle: Address; operators: readonly Address[]; bounds?: { min: bigint; max: bigint } },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!ctx.operators.some((a) => a.toLowerCase() === o.signer.toLowerCase())) {
    return { ok: false, reason: `${o.signer} is not a registered operator` };
  }
  if (ctx.bounds && (o.value < ctx.bounds.min || o.value > ctx.bounds.max)) {
    return { ok: false, reason: `value ${o.value} outside the oracle's bounds [${ctx.bounds.min}, ${ctx.bounds.max}]` };
  }
  try {
    const recovered = await recoverTypedDataAddress({
      domain: oracleDomain(ctx.chainId, ctx.oracle),
      types: observationTypes,
      primaryType: "Observation",
      message: o,
      signature: compactSignatureToSignature({ r: o.r, yParityAndS: o.vs }),
    });
    if (recovered.toLowerCase() !== o.signer.toLowerCase()) return { ok: false, reason: `signature recovers to ${recovered}, not ${o.signer}` };
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `bad signature: ${(e as Error).message.split("\n")[0]}` };
  }
}

export interface CollectParams {
  round: Round;
  own: SignedObservation[];
  peerUrls: readonly string[];
  timeoutMs: number;
  chainId: number;
  oracle: Address;
  operators: readonly Address[];
  /** The oracle's bounds of the index: a peer's value outside them would make the post revert. */
  bounds?: { min: bigint; max: bigint };
  /** This keeper's signing key: a peer serving observations signed with it is another keeper with the same key. */
  self?: Address;
  /** This keeper's `instanceOf` id: an answer carrying it is this keeper's own (its URL in peers.urls), not a peer's. */
  selfInstance?: string;
  signal?: AbortSignal;
  log?: Logger;
  metrics?: KeeperMetrics;
  /** Folds a peer's repeated failure into one warning per interval (a down peer would otherwise log every pass). */
  limiter?: RateLimiter;
}

/** What one collection pass over the peers gave for a round. */
export interface Collected {
  /** Own observations plus every peer's valid signed observations. */
  observations: SignedObservation[];
  /** One value per answering peer for the integrity check: its valid signed value, else its proposal. */
  peerValues: bigint[];
  /** Valid observations of the round signed with `self`'s key by another keeper (a shared operator key), by peer. */
  sharedKey: { peer: string; observation: SignedObservation }[];
}

const SELF_SERVED = "a peer URL answers as this keeper itself: peers.urls lists this keeper's own URL (its answers are ignored)";

/** Own observations plus every peer's valid observations for the round (fetched in parallel, verified). */
export async function collectRound(p: CollectParams): Promise<Collected> {
  const log = p.log ?? silentLogger;
  const results = await Promise.all(
    p.peerUrls.map((u) => fetchPeerObservations(u, p.round, { timeoutMs: p.timeoutMs, ...(p.signal ? { signal: p.signal } : {}) })),
  );
  const valid: SignedObservation[] = [...p.own];
  /** Where each signer's kept observation came from (an operator signing two values of the round is named). */
  const keptFrom = new Map<string, string>(p.own.map((o) => [o.signer.toLowerCase(), "own"]));
  const peerValues: bigint[] = [];
  const sharedKey: Collected["sharedKey"] = [];
  for (const r of results) {
    if (p.selfInstance !== undefined && r.instance === p.selfInstance) {
      if (p.limiter) p.limiter.warn(log, `self:${r.peer}`, SELF_SERVED, { peer: r.peer });
      else log.warn(SELF_SERVED, { peer: r.peer });
      continue;
    }
    const before = valid.length;
    p.metrics?.peerUp.set({ peer: r.peer }, r.error ? 0 : 1);
    if (r.error) {
      p.metrics?.peerErrors.inc({ peer: r.peer });
      if (p.limiter) p.limiter.warn(log, `peer:${r.peer}`, "peer answer rejected in part or whole", { peer: r.peer, error: r.error });
      else log.warn("peer answer rejected in part or whole", { peer: r.peer, error: r.error });
    } else p.limiter?.recovered(log, `peer:${r.peer}`, "peer answers again", { peer: r.peer });
    let twin = false;
    for (const o of r.observations) {
      const v = sameRound(o, p.round) ? await verifyObservation(o, p) : { ok: false as const, reason: `observation of another round (${roundText(o)}; asked for ${roundText(p.round)})` };
      if (!v.ok) {
        p.metrics?.peerErrors.inc({ peer: r.peer });
        log.warn("peer observation rejected", { peer: r.peer, signer: o.signer, reason: v.reason });
      } else if (p.self !== undefined && o.signer.toLowerCase() === p.self.toLowerCase()) {
        // A keeper serves only what its own key signed: this peer runs with our key. Not an independent value.
        twin = true;
        p.metrics?.peerErrors.inc({ peer: r.peer });
        sharedKey.push({ peer: r.peer, observation: o });
      } else if (keptFrom.has(o.signer.toLowerCase())) {
        const kept = valid.find((x) => x.signer.toLowerCase() === o.signer.toLowerCase())!;
        if (kept.value !== o.value || kept.inputsHash !== o.inputsHash) {
          p.metrics?.peerErrors.inc({ peer: r.peer });
          log.warn("an operator signed two values of one round (equivocation): the first seen is kept", {
            signer: o.signer, index: p.round.indexId, round: p.round.timestamp, kept: kept.value, keptFrom: keptFrom.get(o.signer.toLowerCase()), dropped: o.value, droppedFrom: r.peer,
          });
        }
      } else {
        keptFrom.set(o.signer.toLowerCase(), r.peer);
        valid.push(o);
      }
    }
    const signed = valid[before];
    if (signed) peerValues.push(signed.value);
    else if (r.proposal !== undefined && !twin) peerValues.push(r.proposal);
  }
  return { observations: valid, peerValues, sharedKey };
}

function roundText(r: Round): string {
  return `index ${r.indexId}, timestamp ${r.timestamp}, methodology v${r.methodologyVersion}`;
}

export function sameRound(o: SignedObservation, r: Round): boolean {
  return o.indexId.toLowerCase() === r.indexId.toLowerCase() && o.timestamp === r.timestamp && o.methodologyVersion === r.methodologyVersion;
}

export interface QuorumCommon {
  /** Observations that would be submitted (after dropping values outside the spread tolerance). */
  have: number;
  need: number;
  /** Whether every registered operator's observation is in hand (the poster need not wait any longer). */
  complete: boolean;
  signers: Address[];
}

export type QuorumDecision =
  | ({ reached: false } & QuorumCommon)
  | ({ reached: true; args: ReturnType<typeof buildPostFixingArgs> } & QuorumCommon);

/**
 * Pure: given verified observations, keeps those of this round by registered operators (one per signer, the
 * first seen), then the largest run of them whose values agree within `maxSpreadBps` (integrity.ts), and decides
 * whether `quorum` distinct signers remain; if so builds postFixing's arguments (sorted ascending). The result
 * depends only on the set of observations, not on the order they arrived in.
 */
export function decideQuorum(
  round: Round,
  observations: readonly SignedObservation[],
  operators: readonly Address[],
  quorum: number,
  maxSpreadBps: number,
): QuorumDecision {
  const registered = new Set(operators.map((a) => a.toLowerCase()));
  const bySigner = new Map<string, SignedObservation>();
  for (const o of observations) {
    const k = o.signer.toLowerCase();
    if (sameRound(o, round) && registered.has(k) && !bySigner.has(k)) bySigner.set(k, o);
  }
  const chosen = consistentSubset([...bySigner.values()], maxSpreadBps);
  const common = { have: chosen.length, need: quorum, complete: bySigner.size === registered.size, signers: chosen.map((o) => getAddress(o.signer)) };
  if (quorum < 1 || chosen.length < quorum) return { reached: false, ...common };
  return { reached: true, ...common, args: buildPostFixingArgs(operators, chosen) };
}
