import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadIndexDefinition } from "../indexConfig.js";
import { chainStateFromJson, chainStateToJson, computeSeries } from "../methodology/chainState.js";
import { computeFixing } from "../methodology/computeFixing.js";
import { withMethodologyVersion } from "../methodology/definition.js";
import type { ChainState, FixingResult, IndexDefinition } from "../methodology/types.js";
import { createSource } from "../sources/index.js";
import { loadHistory, snapshotAt } from "../sources/replay.js";
import { SOURCE_KINDS, type SourceSnapshot } from "../sources/types.js";
import { renderFixingTable } from "./fixingTable.js";
import { type Command, EXIT, UsageError } from "./types.js";

const USAGE = `usage: npm run keeper -- fixing --index <NAME|file.json> --source <kind> [--input <file|.gz|URL>] [--at <ISO-8601>] [--previous <state.json>] [--methodology-version <n>] [--json]

Computes one fixing (dry run: nothing is signed or sent) and prints it with its report.
  --index     index name (config/indices/<name>.json, e.g. ATPI) or a definition file
  --source    ${SOURCE_KINDS.join(" | ")}
  --input     the price file (.json, .json.gz, .csv) or http(s) URL; replay: optional history dir
  --at        fixing time, ISO-8601 (e.g. 2025-06-01T00:00:00Z); default now
  --previous  the chainState JSON of the previous fixing: the chain link (chain-linked v1) or the reference of the
              bounded-influence, source and succession rules (v2); replay folds the history from the start instead
  --methodology-version  compute under this version (1 or 2; default: the definition's, ATPI: 2)
  --json      print one JSON object instead of a table

exit codes: 0 fixing, 1 no fixing or source failure (report still printed when computed), 2 bad arguments`;

interface FixingArgs {
  index: string;
  source: string;
  input: string | undefined;
  at: number;
  previous: string | undefined;
  methodologyVersion: number | undefined;
  json: boolean;
}

/** Unix seconds of an ISO-8601 time with a date part (e.g. 2025-06-01 or 2025-06-01T12:00:00Z). */
export function parseAt(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    throw new UsageError(`--at must be an ISO-8601 time like 2025-06-01T00:00:00Z, got ${JSON.stringify(text)}`);
  }
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new UsageError(`--at is not a valid time: ${JSON.stringify(text)}`);
  return Math.floor(ms / 1000);
}

function parseFixingArgs(argv: readonly string[]): FixingArgs | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        index: { type: "string" },
        source: { type: "string" },
        input: { type: "string" },
        at: { type: "string" },
        previous: { type: "string" },
        "methodology-version": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) return "help";
  if (values.index === undefined) throw new UsageError("--index is required (e.g. --index ATPI)");
  if (values.source === undefined) throw new UsageError(`--source is required (${SOURCE_KINDS.join(", ")})`);
  if (!(SOURCE_KINDS as readonly string[]).includes(values.source)) {
    throw new UsageError(`--source must be one of ${SOURCE_KINDS.join(", ")}, got ${JSON.stringify(values.source)}`);
  }
  if (values.source !== "replay" && values.input === undefined) throw new UsageError(`--source ${values.source} needs --input <file, .gz file or URL>`);
  const at = values.at === undefined ? Math.floor(Date.now() / 1000) : parseAt(values.at);
  const mv = values["methodology-version"];
  if (mv !== undefined && !/^[1-9]\d{0,8}$/.test(mv)) throw new UsageError(`--methodology-version must be a positive integer, got ${JSON.stringify(mv)}`);
  const methodologyVersion = mv === undefined ? undefined : Number.parseInt(mv, 10);
  return { index: values.index, source: values.source, input: values.input, at, previous: values.previous, methodologyVersion, json: values.json === true };
}

/** Whether a fixing depends on the previous one (chain-linked v1, every v2 index): replay then folds the history. */
/** The index definition, under methodology version `version` when one is asked for (`--methodology-version`). */
export async function loadDefinition(index: string, version?: number): Promise<IndexDefinition> {
  const loaded = await loadIndexDefinition(index);
  return version === undefined ? loaded : withMethodologyVersion(loaded, version);
}

/** The previous fixing's state from a `--previous` JSON file, if one is given. */
export async function readPreviousState(path?: string): Promise<ChainState | undefined> {
  return path === undefined ? undefined : chainStateFromJson(JSON.parse(await readFile(path, "utf8")));
}

export function needsPrevious(def: IndexDefinition): boolean {
  return def.linking === "chain" || def.methodologyVersion >= 2;
}

/** The state after folding every bundled snapshot committed strictly before `at` (v2's reference), or undefined. */
export async function stateBefore(def: IndexDefinition, at: number, dir?: string): Promise<ChainState | undefined> {
  const history = await loadHistory(...(dir === undefined ? [] : [dir]));
  const steps = history.snapshots.filter((s) => s.time < at).map((s) => ({ at: s.time, polls: [{ time: s.time, quotes: s.quotes }] }));
  let state: ChainState | undefined;
  for (const r of computeSeries(def, steps)) if (r.ok && r.chainState !== undefined) state = r.chainState;
  return state;
}

/** An index over the replay history: fold every snapshot from the first up to `at`. */
async function replayChain(def: IndexDefinition, dir: string | undefined, at: number): Promise<{ result: FixingResult; snapshot: SourceSnapshot }> {
  const history = await loadHistory(...(dir === undefined ? [] : [dir]));
  const last = snapshotAt(history, at);
  if (last === undefined) throw new Error(`replay: no snapshot at or before ${new Date(at * 1000).toISOString()}`);
  const steps = history.snapshots.filter((s) => s.time < last.time).map((s) => ({ at: s.time, polls: [{ time: s.time, quotes: s.quotes }] }));
  steps.push({ at, polls: [{ time: last.time, quotes: last.quotes }] });
  const results = computeSeries(def, steps);
  return {
    result: results[results.length - 1] as FixingResult,
    snapshot: { origin: `replay@${last.date} (${last.commit})`, asOf: last.time, quotes: last.quotes, rejected: [] },
  };
}

async function run(argv: readonly string[]): Promise<number> {
  let args: FixingArgs | "help";
  try {
    args = parseFixingArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`keeper fixing: ${e.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args === "help") {
    console.log(USAGE);
    return EXIT.ok;
  }
  let result: FixingResult;
  let snapshot: SourceSnapshot;
  try {
    const def = await loadDefinition(args.index, args.methodologyVersion);
    const previous = await readPreviousState(args.previous);
    if (needsPrevious(def) && args.source === "replay" && previous === undefined) {
      ({ result, snapshot } = await replayChain(def, args.input, args.at));
    } else {
      snapshot = await createSource(args.source, args.input).read(args.at);
      const pollTime = snapshot.asOf ?? args.at;
      result = computeFixing(def, [{ time: pollTime, quotes: snapshot.quotes }], args.at, { previous });
    }
  } catch (e) {
    console.error(`keeper fixing: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failure;
  }
  const source = {
    kind: args.source,
    origin: snapshot.origin,
    asOf: snapshot.asOf ?? null,
    quotes: snapshot.quotes.length,
    skipped: snapshot.skipped ?? 0,
    rejected: snapshot.rejected,
  };
  if (args.json) {
    const chainState = result.ok && result.chainState !== undefined ? { chainState: chainStateToJson(result.chainState) } : {};
    console.log(JSON.stringify({ ...result.report, source, ...chainState }, null, 2));
  } else {
    console.log(renderFixingTable(result.report, source));
  }
  if (!result.ok) {
    console.error(`keeper fixing: no fixing for ${result.report.index} at ${new Date(args.at * 1000).toISOString()}: ${result.reason.message} (${result.reason.code})`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

export const fixingCommand: Command = {
  name: "fixing",
  summary: "compute one index fixing from a price source and print it with its audit report (dry run)",
  usage: USAGE,
  run,
};
