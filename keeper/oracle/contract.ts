/**
 * The keeper's view of the IndexOracle (contracts/oracle/IIndexOracle.sol): the reads a round needs, and the
 * postFixing transaction as a SendRequest whose idempotency key is the round, so a fixing is never posted twice
 * by this keeper and a post that lost the race to another operator is skipped at simulation.
 */
import { type Address, type Hex, type PublicClient, encodeFunctionData } from "viem";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import type { buildPostFixingArgs } from "../../sdk/oracle.js";
import type { SendRequest } from "../chain/sender.js";

/** The oracle's ABI: the one generated from the compiled contract (sdk/abi, `npm run abis`). */
export const oracleAbi = indexOracleAbi;

/** What a round needs to know from the oracle about one index. */
export interface OracleIndexView {
  operators: Address[];
  quorum: number;
  maxFutureSkew: number;
  minValue: bigint;
  maxValue: bigint;
  latest: { value: bigint; timestamp: bigint; methodologyVersion: number };
  /** The index's spread tolerance and circuit breaker. */
  tolerances: { maxSpreadBps: number; breakerBps: number; breakerDelay: number };
  /** The round the circuit breaker holds, if one is held and newer than the latest stored fixing. */
  held?: { value: bigint; timestamp: bigint; confirmableFrom: bigint };
}

/** Reads operators, quorum, config, tolerances, latest and held fixing of an index (six calls in parallel). */
export async function readOracleIndex(client: PublicClient, oracle: Address, indexId: Hex): Promise<OracleIndexView> {
  const at = { address: oracle, abi: oracleAbi, args: [indexId] } as const;
  const [operators, quorum, config, latest, tolerances, held] = await Promise.all([
    client.readContract({ ...at, functionName: "operators" }),
    client.readContract({ ...at, functionName: "quorum" }),
    client.readContract({ ...at, functionName: "indexConfig" }),
    client.readContract({ ...at, functionName: "latestFixing" }),
    client.readContract({ ...at, functionName: "tolerances" }),
    client.readContract({ ...at, functionName: "heldFixing" }),
  ]);
  const [minValue, maxValue, maxFutureSkew] = config;
  return {
    operators: [...operators],
    quorum: Number(quorum),
    maxFutureSkew,
    minValue,
    maxValue,
    latest: { value: latest.value, timestamp: latest.timestamp, methodologyVersion: latest.methodologyVersion },
    tolerances: { maxSpreadBps: tolerances[1], breakerBps: tolerances[2], breakerDelay: tolerances[3] },
    ...(held[1] > latest.timestamp ? { held: { value: held[0], timestamp: held[1], confirmableFrom: held[2] } } : {}),
  };
}

/**
 * Idempotency key of the post of one round of one index: `post:<index>:<round>`, and `...#<n>` for the n-th
 * re-send of a round whose earlier post ended without posting it (cancelled, lost, reverted) while the round
 * could still be posted.
 */
export function postFixingKey(indexName: string, timestamp: bigint, attempt = 1): string {
  return `post:${indexName}:${timestamp}${attempt > 1 ? `#${attempt}` : ""}`;
}

/**
 * The postFixing transaction for a quorum decision's arguments: high priority, keyed by the round (and the
 * re-send number), deferred while another operator's post of it waits in the node's pool.
 */
export function postFixingRequest(oracle: Address, indexName: string, args: ReturnType<typeof buildPostFixingArgs>, attempt = 1): SendRequest {
  const [indexId, timestamp, methodologyVersion, operators, observations] = args;
  return {
    key: postFixingKey(indexName, timestamp, attempt),
    kind: "post",
    priority: "high",
    deferIfPending: true,
    to: oracle,
    abi: oracleAbi,
    data: encodeFunctionData({
      abi: oracleAbi,
      functionName: "postFixing",
      args: [indexId, timestamp, methodologyVersion, operators, observations],
    }),
  };
}
