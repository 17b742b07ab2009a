/**
 * The settlement-window rounds the fixing loop gathered a quorum for, kept in the journal (table gathered_rounds)
 * so that a round gathered but never posted is still recorded on the market after a restart, kill -9 included
 * (settlement.ts). Each round is stored as its postFixing arguments in JSON: integers as decimal strings, every
 * other field exactly as gathered, so it parses back to the same arguments. A stored round is replaced only by a
 * set with more signatures. A row that does not parse back (a damaged journal) is logged and skipped, never fatal.
 */
import type { Address, Hex } from "viem";
import { z } from "zod";
import type { buildPostFixingArgs } from "../../sdk/oracle.js";
import type { Journal } from "../chain/journal.js";
import type { Logger } from "../observability/log.js";
import { bytes32, uint } from "./observationSchema.js";

/** A round's postFixing arguments: also what recordSettlementFixing takes after the series. */
export type RoundArgs = ReturnType<typeof buildPostFixingArgs>;

const timestampSchema = uint(64n);
const hex32 = bytes32.transform((v) => v as Hex);
const argsSchema = z
  .object({
    indexId: hex32,
    timestamp: timestampSchema,
    methodologyVersion: z.number().int().min(0).lt(2 ** 32),
    operators: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/).transform((v) => v as Address)),
    observations: z.array(z.object({ value: uint(256n), inputsHash: hex32, r: hex32, vs: hex32 })).min(1),
  })
  .transform((a): RoundArgs => [a.indexId, a.timestamp, a.methodologyVersion, a.operators, a.observations]);

/** The JSON text of a round's postFixing arguments. */
export function roundArgsToJson(args: RoundArgs): string {
  const [indexId, timestamp, methodologyVersion, operators, observations] = args;
  return JSON.stringify({
    indexId,
    timestamp: timestamp.toString(),
    methodologyVersion,
    operators,
    observations: observations.map((o) => ({ value: o.value.toString(), inputsHash: o.inputsHash, r: o.r, vs: o.vs })),
  });
}

/** Parses `roundArgsToJson`'s text back; throws naming the first bad field. */
export function roundArgsFromJson(text: string): RoundArgs {
  const r = argsSchema.safeParse(JSON.parse(text));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(issue?.path.length ? `field ${issue.path.join(".")} is missing or malformed` : (issue?.message ?? "not an object"));
}

export class GatheredRounds {
  constructor(
    private readonly journal: Journal,
    private readonly log: Logger,
  ) {}

  /** Stores a gathered round unless it is stored with as many signatures or more; returns whether it was written. */
  save(args: RoundArgs, nowMs = Date.now()): boolean {
    return this.journal.putGatheredRound(args[0], args[1], args[4].length, roundArgsToJson(args), nowMs);
  }

  /** Every stored round that parses back and matches its row's key (index, timestamp); the others are logged and skipped. */
  load(): { indexId: Hex; args: RoundArgs }[] {
    const out: { indexId: Hex; args: RoundArgs }[] = [];
    for (const row of this.journal.gatheredRounds()) {
      try {
        const args = roundArgsFromJson(row.args);
        if (args[0].toLowerCase() !== row.indexId || args[1].toString() !== row.timestamp) throw new Error("the arguments are of another round than the row's key");
        out.push({ indexId: row.indexId as Hex, args });
      } catch (e) {
        this.log.error("settlement: a gathered round in the journal is damaged: skipped, it will not be recorded by this keeper", {
          index: row.indexId, timestamp: row.timestamp, error: e,
        });
      }
    }
    return out;
  }

  /** Deletes the stored rounds `keep` rejects; returns how many. A row whose key does not parse is left (load logs it). */
  prune(keep: (indexId: Hex, timestamp: bigint) => boolean): number {
    let dropped = 0;
    for (const row of this.journal.gatheredRounds()) {
      const timestamp = timestampSchema.safeParse(row.timestamp);
      if (!timestamp.success || keep(row.indexId as Hex, timestamp.data)) continue;
      this.journal.deleteGatheredRound(row.indexId, row.timestamp);
      dropped++;
    }
    return dropped;
  }
}
