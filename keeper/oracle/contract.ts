/**
 * The keeper's view of the IndexOracle (contracts/oracle/IIndexOracle.sol): the reads a round needs, and the
 * postFixing transaction as a SendRequest whose idempotency key is the round, so a fixing is never posted twice
 * by this keeper and a post that lost the race to another operator is skipped at simulation.
 */
import { type Address, type Hex, type PublicClient, encodeFunctionData, parseAbi } from "viem";
import type { buildPostFixingArgs } from "../../sdk/oracle.js";
import type { SendRequest } from "../chain/sender.js";

/**
 * The IIndexOracle functions and errors the keeper uses (human-readable, same signatures as the interface; the
 * selectors were checked against the oracle branch's generated ABI, where InvalidSignature carries a position).
 */
export const oracleAbi = parseAbi([
  "struct Observation { uint256 value; bytes32 inputsHash; bytes32 r; bytes32 vs; }",
  "struct Fixing { uint128 value; uint64 timestamp; uint32 methodologyVersion; }",
  "function postFixing(bytes32 indexId, uint64 timestamp, uint32 methodologyVersion, address[] operators, Observation[] observations) returns (uint256 value)",
  "function operators(bytes32 indexId) view returns (address[])",
  "function quorum(bytes32 indexId) view returns (uint256)",
  "function indexConfig(bytes32 indexId) view returns (uint96 minValue, uint96 maxValue, uint32 maxFutureSkew, uint16 operatorCount, bytes32 operatorsHash)",
  "function latestFixing(bytes32 indexId) view returns (Fixing)",
  "function heldFixing(bytes32 indexId) view returns (uint256 value, uint64 timestamp, uint64 confirmableFrom)",
  "function tolerances(bytes32 indexId) view returns (uint8 faultTolerance, uint16 maxSpreadBps, uint16 breakerBps, uint32 breakerDelay)",
  "event FixingHeld(bytes32 indexed indexId, uint64 indexed timestamp, uint256 value, uint256 previousValue, uint64 confirmableFrom, address poster)",
  "error ObservationsDisagree(bytes32 indexId, uint256 minValue, uint256 maxValue, uint256 maxSpreadBps)",
  "error UnknownIndex(bytes32 indexId)",
  "error OperatorSetMismatch(bytes32 indexId, bytes32 expectedHash, bytes32 givenHash)",
  "error TooFewSignatures(bytes32 indexId, uint256 given, uint256 quorum)",
  "error UnknownSigner(bytes32 indexId, address signer)",
  "error DuplicateSigner(bytes32 indexId, address signer)",
  "error ObservationsNotSorted(uint256 position, uint256 previous, uint256 value)",
  "error ValueOutOfBounds(bytes32 indexId, uint256 value, uint256 minValue, uint256 maxValue)",
  "error TimestampNotNewer(bytes32 indexId, uint64 timestamp, uint64 lastTimestamp)",
  "error TimestampInFuture(bytes32 indexId, uint64 timestamp, uint256 blockTimestamp, uint32 maxFutureSkew)",
  "error InvalidSignature(uint256 position)",
]);

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
