import { type Hex, encodeAbiParameters, keccak256 } from "viem";
import type { ReportQuote } from "./types.js";

/** The quotes one identity contributed to a fixing, per poll. */
export interface HashedSlot {
  readonly slotId: string;
  readonly identity: string;
  readonly polls: readonly { readonly time: number; readonly quotes: readonly ReportQuote[] }[];
}

const INPUTS_ABI = [
  { name: "indexId", type: "bytes32" },
  { name: "methodologyVersion", type: "uint32" },
  {
    name: "slots",
    type: "tuple[]",
    components: [
      { name: "slotId", type: "string" },
      { name: "identity", type: "string" },
      {
        name: "polls",
        type: "tuple[]",
        components: [
          { name: "time", type: "uint64" },
          {
            name: "quotes",
            type: "tuple[]",
            components: [
              { name: "provider", type: "string" },
              { name: "model", type: "string" },
              { name: "input", type: "string" },
              { name: "output", type: "string" },
            ],
          },
        ],
      },
    ],
  },
] as const;

/**
 * Canonical encoding of the quotes used by a fixing (see docs/methodology.md, "Audit trail"):
 * `abi.encode(bytes32 indexId, uint32 methodologyVersion, (string slotId, string identity,
 * (uint64 time, (string provider, string model, string input, string output)[] quotes)[] polls)[] slots)`
 * with slots in definition order, polls in time order, quotes sorted by (provider, model, input, output)
 * in code-unit order, prices as canonical decimal text in the index unit ("" when absent).
 */
export function encodeInputs(indexId: Hex, methodologyVersion: number, slots: readonly HashedSlot[]): Hex {
  return encodeAbiParameters(INPUTS_ABI, [
    indexId,
    methodologyVersion,
    slots.map((s) => ({
      slotId: s.slotId,
      identity: s.identity,
      polls: s.polls.map((p) => ({
        time: BigInt(p.time),
        quotes: p.quotes.map((q) => ({ provider: q.provider, model: q.model, input: q.input ?? "", output: q.output ?? "" })),
      })),
    })),
  ]);
}

/** keccak256 of encodeInputs: the `inputsHash` operators sign. */
export function inputsHash(indexId: Hex, methodologyVersion: number, slots: readonly HashedSlot[]): Hex {
  return keccak256(encodeInputs(indexId, methodologyVersion, slots));
}
