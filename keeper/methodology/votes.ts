import { type Rational, ZERO, add, cmp, formatDecimal, formatFixed, median, rational, sub, toFixedTowardZero } from "./decimal.js";
import { type PriceRules, type QuoteIndex, type ValidatedQuote, compareExcluded, compareReport, validateQuotes } from "./slotPrice.js";
import type { CompanyVote, ExcludedQuote, ReportQuote } from "./types.js";

const E18 = 10n ** 18n;

/** One identity priced in one poll under methodology v2. */
export interface VotedPollPrice {
  /** 18-decimal poll price after the thin-slot and move-limit rules; undefined without a vote. */
  readonly price: bigint | undefined;
  /** Exact median of the company votes (before any rule), for the source scale check. */
  readonly median: Rational | undefined;
  readonly votes: readonly CompanyVote[];
  readonly used: readonly ReportQuote[];
  readonly excluded: readonly ExcludedQuote[];
  readonly decisions: readonly string[];
}

function clamp(x: Rational, lo: Rational, hi: Rational): Rational {
  return cmp(x, lo) < 0 ? lo : cmp(x, hi) > 0 ? hi : x;
}

/** Company votes: per company (in code-unit order of its name) the exact median of its valid blends. */
export function companyVotes(valid: readonly ValidatedQuote[], owner: Readonly<Record<string, string>>): { company: string; vote: Rational; providers: string[] }[] {
  const byCompany = new Map<string, { blends: Rational[]; providers: Set<string> }>();
  for (const v of valid) {
    const company = owner[v.report.provider] ?? v.report.provider;
    let entry = byCompany.get(company);
    if (entry === undefined) byCompany.set(company, (entry = { blends: [], providers: new Set() }));
    entry.blends.push(v.blend);
    entry.providers.add(v.report.provider);
  }
  return [...byCompany.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([company, e]) => ({ company, vote: median(e.blends), providers: [...e.providers].sort() }));
}

/**
 * Methodology v2 poll price of one identity (docs/methodology.md, "v2 calculation"): valid quotes as v1;
 * one vote per company (median of its quotes); m = median of the votes. Without a reference the price is m.
 * With a reference r: 3+ votes give m; 2 votes give the point of [low vote, high vote] nearest r; 1 vote gives
 * that vote; the result is then clamped to [r - band, r + band] (computeFixingV2 sets the band). Rounded toward zero
 * to 18 decimals once.
 */
export function votedPollPrice(
  pairs: readonly (readonly [string, string])[],
  index: QuoteIndex,
  rules: PriceRules,
  poll: number,
  owner: Readonly<Record<string, string>>,
  reference: bigint | undefined,
  /** Half-width of the reference band in the index unit (exact), with a reference. */
  band: Rational | undefined,
): VotedPollPrice {
  const { valid, excluded } = validateQuotes(pairs, index, rules, poll);
  const used = valid.map((v) => v.report).sort(compareReport);
  excluded.sort(compareExcluded);
  const votes = companyVotes(valid, owner);
  const reported = votes.map((v) => ({ company: v.company, vote: formatDecimal(v.vote), providers: v.providers }));
  if (votes.length === 0) return { price: undefined, median: undefined, votes: reported, used, excluded, decisions: [] };
  const values = votes.map((v) => v.vote);
  const m = median(values);
  const decisions: string[] = [];
  let q = m;
  if (reference !== undefined) {
    const r = rational(reference, E18);
    if (votes.length === 2) {
      const [lo, hi] = [...values].sort(cmp) as [Rational, Rational];
      q = clamp(r, lo, hi);
      if (cmp(q, m) !== 0) decisions.push(`poll ${poll}: 2 votes, price held at ${formatDecimal(q)} (nearest the reference ${formatFixed(reference, 18)} within [${formatDecimal(lo)}, ${formatDecimal(hi)}])`);
    }
    const delta = band ?? ZERO;
    const limited = clamp(q, sub(r, delta), add(r, delta));
    if (cmp(limited, q) !== 0) decisions.push(`poll ${poll}: move limit: ${formatDecimal(q)} clamped to ${formatDecimal(limited)} (reference ${formatFixed(reference, 18)} +- ${formatDecimal(delta)})`);
    q = limited;
  }
  return { price: toFixedTowardZero(q, 18), median: m, votes: reported, used, excluded, decisions };
}
