import {
  type Address,
  type Hex,
  type LocalAccount,
  encodePacked,
  hashTypedData,
  hexToString,
  keccak256,
  parseSignature,
  serializeCompactSignature,
  signatureToCompactSignature,
  stringToHex,
} from "viem";

/** EIP-712 domain of an IndexOracle deployment (bound to chain id and contract address). */
export function oracleDomain(chainId: number | bigint, oracle: Address) {
  return { name: "tokenfutures-oracle", version: "1", chainId: BigInt(chainId), verifyingContract: oracle } as const;
}

/** The EIP-712 type each operator signs: its own value and inputs hash for one fixing round. */
export const observationTypes = {
  Observation: [
    { name: "indexId", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
    { name: "methodologyVersion", type: "uint32" },
    { name: "value", type: "uint256" },
    { name: "inputsHash", type: "bytes32" },
  ],
} as const;

/** What one operator observed for one round of one index. */
export interface ObservationData {
  indexId: Hex;
  timestamp: bigint;
  methodologyVersion: number;
  value: bigint;
  inputsHash: Hex;
}

/** An observation with its signer and EIP-2098 compact signature, as exchanged between operators. */
export interface SignedObservation extends ObservationData {
  signer: Address;
  r: Hex;
  vs: Hex;
}

/** bytes32 id of an index from its short ASCII name (right-padded), e.g. "ATPI". */
export function indexIdFromName(name: string): Hex {
  if (name.length === 0 || name.length > 31 || !/^[\x20-\x7e]+$/.test(name)) {
    throw new Error(`index name must be 1-31 printable ASCII characters, got ${JSON.stringify(name)}`);
  }
  return stringToHex(name, { size: 32 });
}

/** The short name of an index from its bytes32 id (the inverse of indexIdFromName). */
export function indexNameFromId(indexId: Hex): string {
  return hexToString(indexId, { size: 32 }).replace(/\0+$/, "");
}

/** The EIP-712 digest of an observation (equals IndexOracle.observationDigest). */
export function observationDigest(chainId: number | bigint, oracle: Address, o: ObservationData): Hex {
  return hashTypedData({
    domain: oracleDomain(chainId, oracle),
    types: observationTypes,
    primaryType: "Observation",
    message: o,
  });
}

/** Signs an observation with a local account; returns it with the compact (r, vs) signature. */
export async function signObservation(
  account: LocalAccount,
  chainId: number | bigint,
  oracle: Address,
  o: ObservationData,
): Promise<SignedObservation> {
  const signature = await account.signTypedData({
    domain: oracleDomain(chainId, oracle),
    types: observationTypes,
    primaryType: "Observation",
    message: o,
  });
  const compact = signatureToCompactSignature(parseSignature(signature));
  return { ...o, signer: account.address, r: compact.r, vs: compact.yParityAndS };
}

/** Full 64-byte compact signature of a signed observation (for transport or storage). */
export function compactSignature(o: SignedObservation): Hex {
  return serializeCompactSignature({ r: o.r, yParityAndS: o.vs });
}

/** keccak256 of an operator list as the oracle stores it. */
export function operatorsHash(operators: readonly Address[]): Hex {
  return keccak256(encodePacked(["address[]"], [operators]));
}

/**
 * Arguments of IndexOracle.postFixing from signed observations of one round: checks they agree on the round,
 * keeps one observation per registered signer, and sorts them ascending by value (ties by signer).
 */
export function buildPostFixingArgs(operators: readonly Address[], observations: readonly SignedObservation[]) {
  const first = observations[0];
  if (!first) throw new Error("no observations to post");
  const registered = new Set(operators.map((a) => a.toLowerCase()));
  const bySigner = new Map<string, SignedObservation>();
  for (const o of observations) {
    if (o.indexId !== first.indexId || o.timestamp !== first.timestamp || o.methodologyVersion !== first.methodologyVersion) {
      throw new Error(
        `observation of ${o.signer} is for another round (${o.indexId}, ${o.timestamp}, v${o.methodologyVersion})`,
      );
    }
    const key = o.signer.toLowerCase();
    if (registered.has(key) && !bySigner.has(key)) bySigner.set(key, o);
  }
  const sorted = [...bySigner.values()].sort((a, b) =>
    a.value < b.value ? -1 : a.value > b.value ? 1 : a.signer.toLowerCase() < b.signer.toLowerCase() ? -1 : 1,
  );
  return [
    first.indexId,
    first.timestamp,
    first.methodologyVersion,
    [...operators],
    sorted.map((o) => ({ value: o.value, inputsHash: o.inputsHash, r: o.r, vs: o.vs })),
  ] as const;
}
