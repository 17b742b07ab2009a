import { parseArgs } from "node:util";
import { CORRUPTIONS, type RobustnessReport, type WorstMove, robustness } from "../methodology/robustness.js";
import { createSource } from "../sources/index.js";
import { SOURCE_KINDS } from "../sources/types.js";
import { loadDefinition, parseAt, readPreviousState, stateBefore } from "./fixing.js";
import { type Command, EXIT, UsageError } from "./types.js";

const USAGE = `usage: npm run keeper -- robustness --index <NAME|file.json> --source <kind> [--input <file|.gz|URL>] --at <ISO-8601> [--previous <state.json> | --no-reference] [--methodology-version <n>] [--json]

Corrupts the input one listing, one provider and one company at a time and prints the worst moves of the fixing.
Corruptions tried on every target (all its quotes, input and output price): ${CORRUPTIONS.join(", ")} (extreme: 1e30 and 1e-30).
A corruption that gives no fixing (refused) moves nothing and is counted as refused.
  --index, --source, --input, --at, --methodology-version   as for \`keeper fixing\`
  --previous      the reference state (chainState JSON of the previous fixing)
                  default for v2: the state after the bundled history's fixings before --at
  --no-reference  compute without a reference state (a first fixing)
  --json          one JSON object: worstQuoteMovePct, worstProviderMovePct, worstCompanyMovePct, each with its listing

exit codes: 0 done, 1 no honest fixing or source failure, 2 bad arguments`;

interface Args {
  index: string;
  source: string;
  input: string | undefined;
  at: number;
  previous: string | undefined;
  noReference: boolean;
  methodologyVersion: number | undefined;
  json: boolean;
}

function parse(argv: readonly string[]): Args | "help" {
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
        "no-reference": { type: "boolean", default: false },
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
  if (values.source === undefined || !(SOURCE_KINDS as readonly string[]).includes(values.source)) {
    throw new UsageError(`--source must be one of ${SOURCE_KINDS.join(", ")}, got ${JSON.stringify(values.source)}`);
  }
  if (values.source !== "replay" && values.input === undefined) throw new UsageError(`--source ${values.source} needs --input <file, .gz file or URL>`);
  if (values.at === undefined) throw new UsageError("--at is required (the fixing time, e.g. 2025-07-10T12:00:00Z)");
  if (values.previous !== undefined && values["no-reference"] === true) throw new UsageError("--previous and --no-reference exclude each other");
  const mv = values["methodology-version"];
  if (mv !== undefined && !/^[1-9]\d{0,8}$/.test(mv)) throw new UsageError(`--methodology-version must be a positive integer, got ${JSON.stringify(mv)}`);
  return {
    index: values.index,
    source: values.source,
    input: values.input,
    at: parseAt(values.at),
    previous: values.previous,
    noReference: values["no-reference"] === true,
    methodologyVersion: mv === undefined ? undefined : Number.parseInt(mv, 10),
    json: values.json === true,
  };
}

function line(label: string, w: WorstMove): string {
  const what = w.target === null ? "no corruption moved it" : `${w.target} ${w.corruption}`;
  return `${label.padEnd(17)} ${w.movePct.padStart(12)} %  ${what}  (${w.attempts} tried, ${w.refused} refused)`;
}

function render(r: RobustnessReport, reference: string): string {
  const whole = (k: "x1000" | "x0.001") => (r.wholeSource[k].value === null ? `refused (${r.wholeSource[k].reason})` : `FIXED at ${r.wholeSource[k].value}`);
  return [
    `${r.index} at ${new Date(r.timestamp * 1000).toISOString()} [methodology v${r.methodologyVersion}], honest value ${r.value}, reference ${reference}`,
    line("worst quote", r.worstQuote),
    line("worst provider", r.worstProvider),
    line("worst company", r.worstCompany),
    `whole source x1000: ${whole("x1000")}; x0.001: ${whole("x0.001")}`,
  ].join("\n");
}

async function run(argv: readonly string[]): Promise<number> {
  let args: Args | "help";
  try {
    args = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`keeper robustness: ${e.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args === "help") {
    console.log(USAGE);
    return EXIT.ok;
  }
  let report: RobustnessReport;
  let reference: string;
  try {
    const def = await loadDefinition(args.index, args.methodologyVersion);
    let previous = await readPreviousState(args.previous);
    if (args.previous === undefined && !args.noReference && def.methodologyVersion >= 2) previous = await stateBefore(def, args.at);
    reference = previous === undefined ? "none" : `state of ${new Date(previous.timestamp * 1000).toISOString()}`;
    const snapshot = await createSource(args.source, args.input).read(args.at);
    report = robustness(def, snapshot.quotes, args.at, previous);
  } catch (e) {
    console.error(`keeper robustness: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failure;
  }
  if (args.json) {
    console.log(
      JSON.stringify(
        {
          ...report,
          reference,
          worstQuoteMovePct: report.worstQuote.movePct,
          worstProviderMovePct: report.worstProvider.movePct,
          worstCompanyMovePct: report.worstCompany.movePct,
        },
        null,
        2,
      ),
    );
  } else {
    console.log(render(report, reference));
  }
  return EXIT.ok;
}

export const robustnessCommand: Command = {
  name: "robustness",
  usage: USAGE,
  summary: "worst single-quote, single-provider and single-company moves of a fixing (corruption search, dry run)",
  run,
};
