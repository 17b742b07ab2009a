/**
 * What operators exchange over HTTP as zod schemas: one signed observation in its JSON form (integers as decimal
 * strings, within their Solidity types), a peer's answer to GET /observations, and that request's query. Everything
 * here comes from the network: a failure names the field and never carries more than the field's name.
 */
import { type Hex, getAddress, isAddress } from "viem";
import { z } from "zod";
import { type SignedObservation, indexIdFromName } from "../../sdk/oracle.js";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const UINT = /^(0|[1-9][0-9]{0,77})$/;

/** An unsigned integer of `bits` bits as a decimal string. */
export const uint = (bits: bigint) => z.string().regex(UINT).transform(BigInt).refine((v) => v < 2n ** bits);
/** 32 bytes as 0x and 64 hex digits, either case. */
export const bytes32 = z.string().regex(BYTES32);

/** One observation; the first bad field is named: `observation field value is missing or malformed`. */
export const observationSchema = z
  .object(
    {
      indexId: bytes32.transform((v) => v.toLowerCase() as Hex),
      timestamp: uint(64n),
      methodologyVersion: z.number().int().min(0).lt(2 ** 32),
      value: uint(256n),
      inputsHash: bytes32.transform((v) => v.toLowerCase() as Hex),
      signer: z
        .string()
        .refine((v) => isAddress(v, { strict: false }))
        .transform((v) => getAddress(v)),
      r: bytes32.transform((v) => v as Hex),
      vs: bytes32.transform((v) => v as Hex),
    },
    { error: "observation is not an object" },
  )
  .transform((o): SignedObservation => o);

/** A peer's answer: its observations (each checked on its own), and the value it proposes while it signed none. */
export const peerAnswerSchema = z.object(
  {
    observations: z.array(z.unknown(), { error: "no observations array" }),
    instance: z.string().max(64).optional().catch(undefined),
    proposal: z
      .object({ value: z.unknown() })
      .optional()
      .catch(undefined)
      .transform((p) => (typeof p?.value === "string" && UINT.test(p.value) && BigInt(p.value) > 0n ? BigInt(p.value) : undefined)),
  },
  { error: "no observations array" },
);

/** GET /observations?index=<name or 0x id>&timestamp=<unix s>. */
export const roundQuerySchema = z
  .object({
    index: z.string({ error: "query parameter index is required" }).min(1, { error: "query parameter index is required" }),
    timestamp: z.string({ error: "query parameter timestamp must be a unix time in seconds" }).regex(UINT, { error: "query parameter timestamp must be a unix time in seconds" }),
  })
  .transform((q) => ({ indexId: BYTES32.test(q.index) ? (q.index.toLowerCase() as Hex) : indexIdFromName(q.index), timestamp: BigInt(q.timestamp) }));
