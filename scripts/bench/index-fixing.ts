/**
 * Benchmark: one ATPI fixing from the full raw LiteLLM snapshot of 2026-03-29 (1.18 MB, 2,600 entries),
 * JSON parse with exact number text included. Prints the median of N runs and writes bench/index.json.
 * Usage: npm run bench:index [-- --runs 50]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { withMethodologyVersion } from "../../keeper/methodology/definition.js";
import type { ChainState, IndexDefinition } from "../../keeper/methodology/types.js";
import { parseLiteLlm } from "../../keeper/sources/litellm.js";
import { readTextInput } from "../../keeper/sources/readInput.js";

const FILE = "data/llm-prices/litellm_prices_2026-03-29.json.gz";
const { values } = parseArgs({ options: { runs: { type: "string", default: "50" } } });
const runs = Number.parseInt(values.runs ?? "50", 10);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);

const def = await loadIndexDefinition("ATPI");
const at = Date.parse("2026-03-29T12:00:00Z") / 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

let value = "";
const parseAndFix: number[] = [];
const withRead: number[] = [];
for (let i = 0; i < runs + 5; i++) {
  const t0 = performance.now();
  const text = await readTextInput(FILE); // read + gunzip
  const t1 = performance.now();
  const snap = parseLiteLlm(text, FILE);
  const result = computeFixing(def, [{ time: at, quotes: snap.quotes }], at);
  const t2 = performance.now();
  value = result.report.valueDecimal ?? "no fixing";
  if (i >= 5) {
    // first 5 runs are warm-up (JIT)
    parseAndFix.push(t2 - t1);
    withRead.push(t2 - t0);
  }
}

const text = await readTextInput(FILE);
const entries = parseLiteLlm(text, FILE);

/** Median ms of the fixing alone (no parse), same quotes, `runs` runs after 5 warm-up runs. */
function computeOnly(d: IndexDefinition, previous?: ChainState): number {
  const times: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now();
    computeFixing(d, [{ time: at, quotes: entries.quotes }], at, { previous });
    if (i >= 5) times.push(performance.now() - t0);
  }
  return Number(median(times).toFixed(2));
}
// v2 with a reference: the state of the same snapshot's fixing one day earlier (every band and check active)
const reference = computeFixing(def, [{ time: at - 86_400, quotes: entries.quotes }], at - 86_400);
const referenceState = reference.ok ? reference.chainState : undefined;
const out = {
  benchmark: "ATPI fixing from the raw LiteLLM snapshot, JSON parse (exact number text) + compute",
  file: FILE,
  bytes: Buffer.byteLength(text),
  entries: entries.quotes.length + (entries.skipped ?? 0) + entries.rejected.length,
  chatQuotes: entries.quotes.length,
  runs,
  medianMs: Number(median(parseAndFix).toFixed(2)),
  medianMsWithReadAndGunzip: Number(median(withRead).toFixed(2)),
  minMs: Number(Math.min(...parseAndFix).toFixed(2)),
  maxMs: Number(Math.max(...parseAndFix).toFixed(2)),
  targetMs: 50,
  methodologyVersion: def.methodologyVersion,
  computeOnlyMedianMs: computeOnly(def),
  computeOnlyWithReferenceMedianMs: computeOnly(def, referenceState),
  v1ComputeOnlyMedianMs: computeOnly(withMethodologyVersion(def, 1)),
  value,
  node: process.version,
};
await mkdir("bench", { recursive: true });
await writeFile("bench/index.json", `${JSON.stringify(out, null, 2)}\n`);
console.log(`${out.benchmark}\n  ${out.bytes} bytes, ${out.entries} entries (${out.chatQuotes} chat quotes), ATPI = ${value}`);
console.log(`  median of ${runs} runs: ${out.medianMs} ms parse + fixing (${out.medianMsWithReadAndGunzip} ms with read + gunzip); target < 50 ms`);
console.log(`  fixing alone: v${out.methodologyVersion} ${out.computeOnlyMedianMs} ms (${out.computeOnlyWithReferenceMedianMs} ms with a reference state), v1 ${out.v1ComputeOnlyMedianMs} ms`);
