import { expect } from "chai";
import fc from "fast-check";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { CORRUPTIONS, corruptQuote } from "../../keeper/methodology/robustness.js";
import type { ChainState, FixingResult, IndexDefinition, Quote } from "../../keeper/methodology/types.js";
import { liteLlmSource } from "../../keeper/sources/litellm.js";
import { loadHistory } from "../../keeper/sources/replay.js";

interface Case {
  readonly name: string;
  readonly at: number;
  readonly quotes: readonly Quote[];
  readonly reference: ChainState;
  readonly value: bigint;
  /** Listings of the active identities present in the input, and their providers. */
  readonly listings: readonly string[];
  readonly providers: readonly string[];
}

const RAW = ["2025-02-06", "2025-07-10", "2025-11-18", "2026-03-29"];
const BOUND_PCT = 5n;

function mustFix(r: FixingResult, what: string): { value: bigint; state: ChainState } {
  if (!r.ok || r.chainState === undefined) throw new Error(`${what}: no fixing (${r.ok ? "no state" : r.reason.message})`);
  return { value: r.fixing.value, state: r.chainState };
}

function caseOf(def: IndexDefinition, name: string, at: number, quotes: readonly Quote[], reference: ChainState): Case {
  const r = computeFixing(def, [{ time: at, quotes }], at, { previous: reference });
  const { value } = mustFix(r, name);
  const keys = new Set(r.report.slots.flatMap((s) => (s.model === null ? [] : (def.identities[s.model] ?? s.quotes.map((x) => [x.provider, x.model] as const)))).map(([p, m]) => `${p}\u0000${m}`));
  const present = quotes.filter((x) => keys.has(`${x.provider}\u0000${x.model}`));
  return {
    name,
    at,
    quotes,
    reference,
    value,
    listings: [...new Set(present.map((x) => `${x.provider}\u0000${x.model}`))].sort(),
    providers: [...new Set(present.map((x) => x.provider))].sort(),
  };
}

/**
 * K07 for methodology v2 on every bundled snapshot (the 60 weekly ones and the 4 raw LiteLLM files): each is
 * fixed with the state of the fixing before it as its reference (the weekly series; before the first weekly
 * snapshot, the launch state: that snapshot's honest fixing one second earlier). Corrupting one listing or
 * every listing of one provider moves the fixing by at most 5 % or gives no fixing; a whole source x1000 or
 * x0.001 never gives a fixing.
 */
describe("K07: methodology v2 bounds one listing, one provider and one bad source on every bundled snapshot", function () {
  this.timeout(120_000);
  let def: IndexDefinition;
  const cases: Case[] = [];
  before(async () => {
    def = await loadIndexDefinition("ATPI");
    const history = await loadHistory();
    const first = history.snapshots[0];
    if (first === undefined) throw new Error("empty history");
    let state = mustFix(computeFixing(def, [{ time: first.time - 1, quotes: first.quotes }], first.time - 1), "launch").state;
    const states: ChainState[] = [];
    for (const s of history.snapshots) {
      cases.push(caseOf(def, `weekly ${s.date}`, s.time, s.quotes, state));
      state = mustFix(computeFixing(def, [{ time: s.time, quotes: s.quotes }], s.time, { previous: state }), s.date).state;
      states.push(state);
    }
    for (const date of RAW) {
      const at = Date.parse(`${date}T12:00:00Z`) / 1000;
      const quotes = (await liteLlmSource(`data/llm-prices/litellm_prices_${date}.json.gz`).read(at)).quotes;
      // the state of the weekly fixing before it; 2025-02-06 predates them all: the launch state, from the first
      // weekly snapshot's quotes (its own raw file lists gemini-2.0-flash x1000 at 262.5, a real unit error)
      const reference = states.filter((s) => s.timestamp < at).at(-1) ?? mustFix(computeFixing(def, [{ time: at - 1, quotes: first.quotes }], at - 1), date).state;
      cases.push(caseOf(def, `raw ${date}`, at, quotes, reference));
    }
  });

  it("the raw 2025-02-06 file's own unit error (gemini/gemini-2.0-flash at 262.5, x1000) is bounded by the reference", () => {
    // v1 (and v2 without a reference) fix at 29.6384375: Google fast is Google's single listing at 262.5.
    // v2 with the launch reference: 0.21875 + min(0.0125 x 3.4405625 x 100 / 10, 0.5 x 0.21875) = 0.328125;
    // DeepSeek's votes 0.175, 0.175, 0.9 (median 0.175) move it from the reference 0.4775 by at most half: 0.23875.
    // 150 + 2.75625 + 120 + 20 + 37.1875 + 3.28125 + 7.15 + 2.3875 = 342.7625
    const c = cases.find((x) => x.name === "raw 2025-02-06") as Case;
    const r = computeFixing(def, [{ time: c.at, quotes: c.quotes }], c.at, { previous: c.reference });
    expect(r.report.slots.find((s) => s.id === "google-fast")?.priceDecimal).to.equal("0.328125");
    expect(r.report.value).to.equal("3427625000000000000");
    expect(computeFixing(def, [{ time: c.at, quotes: c.quotes }], c.at).report.value).to.equal("29638437500000000000");
  });

  const moveWithin = (c: Case, quotes: readonly Quote[]): boolean => {
    const r = computeFixing(def, [{ time: c.at, quotes }], c.at, { previous: c.reference });
    if (!r.ok) return true; // refused: the fixing does not move
    const d = r.fixing.value > c.value ? r.fixing.value - c.value : c.value - r.fixing.value;
    return d * 100n <= BOUND_PCT * c.value;
  };

  const attack = fc.record({ c: fc.nat(), target: fc.nat(), kind: fc.constantFrom(...CORRUPTIONS) });

  it("one corrupted listing (x1000, x0.001, 1e30, 1e-30) moves the fixing by at most 5 %", () => {
    expect(cases).to.have.length(64);
    fc.assert(
      fc.property(attack, ({ c: ci, target, kind }) => {
        const c = cases[ci % cases.length] as Case;
        const key = c.listings[target % c.listings.length];
        const quotes = c.quotes.map((x) => (`${x.provider}\u0000${x.model}` === key ? corruptQuote(x, kind) : x));
        expect(moveWithin(c, quotes), `${c.name}: ${key} ${kind}`).to.equal(true);
      }),
      { seed: 20260707, numRuns: 250 },
    );
  });

  it("every listing of one provider corrupted the same way moves the fixing by at most 5 %", () => {
    fc.assert(
      fc.property(attack, ({ c: ci, target, kind }) => {
        const c = cases[ci % cases.length] as Case;
        const provider = c.providers[target % c.providers.length];
        const quotes = c.quotes.map((x) => (x.provider === provider ? corruptQuote(x, kind) : x));
        expect(moveWithin(c, quotes), `${c.name}: ${provider} ${kind}`).to.equal(true);
      }),
      { seed: 20260708, numRuns: 200 },
    );
  });

  it("a whole source x1000 or x0.001 never becomes a fixing, with the reference (scale check) or without (plausible range)", () => {
    for (const c of cases) {
      for (const kind of ["x1000", "x0.001"] as const) {
        const quotes = c.quotes.map((x) => corruptQuote(x, kind));
        const withRef = computeFixing(def, [{ time: c.at, quotes }], c.at, { previous: c.reference });
        expect(withRef.ok ? "fixed" : withRef.reason.code, `${c.name} ${kind}`).to.equal("SOURCE_SCALE_SUSPECT");
        const noRef = computeFixing(def, [{ time: c.at, quotes }], c.at);
        expect(noRef.ok ? "fixed" : noRef.reason.code, `${c.name} ${kind} without reference`).to.equal("IMPLAUSIBLE_VALUE");
      }
    }
  });
});
