import { computeFixing } from "./computeFixing.js";
import { formatDecimal, rational } from "./decimal.js";
import type { ChainState, IndexDefinition, Quote } from "./types.js";

/** How a corrupted quote's prices are rewritten (texts in the source's own unit, `scale` kept). */
export const CORRUPTIONS = ["x1000", "x0.001", "extreme-high", "extreme-low"] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** Rewrites a price text: x1000 / x0.001 shift the decimal exponent; extreme values are 1e30 and 1e-30. */
export function corruptPrice(text: string | undefined, kind: Corruption): string | undefined {
  if (text === undefined) return undefined;
  switch (kind) {
    case "x1000":
      return `${text}e3`.replace(/e([+-]?\d+)e3$/i, (_, e: string) => `e${Number.parseInt(e, 10) + 3}`);
    case "x0.001":
      return `${text}e-3`.replace(/e([+-]?\d+)e-3$/i, (_, e: string) => `e${Number.parseInt(e, 10) - 3}`);
    case "extreme-high":
      return "1e30";
    case "extreme-low":
      return "1e-30";
  }
}

export function corruptQuote(q: Quote, kind: Corruption): Quote {
  return { ...q, input: corruptPrice(q.input, kind), output: corruptPrice(q.output, kind) };
}

export interface WorstMove {
  /** Largest |corrupted - honest| / honest over the attempts, in percent (truncated to 6 places). */
  readonly movePct: string;
  /** What was corrupted: a listing `provider model`, a provider key or a company name. */
  readonly target: string | null;
  readonly corruption: Corruption | null;
  /** The corrupted fixing's value, or null when it was refused (no fixing). */
  readonly value: string | null;
  readonly attempts: number;
  /** Attempts that gave no fixing (a refused corruption moves nothing). */
  readonly refused: number;
}

export interface RobustnessReport {
  readonly index: string;
  readonly methodologyVersion: number;
  readonly timestamp: number;
  readonly value: string;
  readonly corruptions: readonly Corruption[];
  readonly worstQuote: WorstMove;
  readonly worstProvider: WorstMove;
  readonly worstCompany: WorstMove;
  /** The whole input rewritten by x1000 and x0.001: the value, or null when refused. */
  readonly wholeSource: Readonly<Record<"x1000" | "x0.001", { value: string | null; reason: string | null }>>;
}

type Target = { name: string; hit: (q: Quote) => boolean };

/**
 * Worst single-listing, single-provider and single-company moves of a fixing (pure): every listing of the
 * fixing's active identities, every provider key and every company owning one, each corrupted in every way
 * of CORRUPTIONS (all quotes of the target rewritten), the fixing recomputed with the same reference state.
 */
export function robustness(def: IndexDefinition, quotes: readonly Quote[], at: number, previous?: ChainState): RobustnessReport {
  const fix = (qs: readonly Quote[]) => computeFixing(def, [{ time: at, quotes: qs }], at, { previous });
  const base = fix(quotes);
  if (!base.ok) throw new Error(`no honest fixing to corrupt: ${base.reason.message} (${base.reason.code})`);
  const honest = base.fixing.value;
  const listed = new Set<string>();
  for (const s of base.report.slots) {
    const pairs = s.model === null ? [] : (def.identities[s.model] ?? s.quotes.map((q) => [q.provider, q.model] as const));
    for (const [p, m] of pairs) listed.add(`${p}\u0000${m}`);
    for (const q of [...s.quotes, ...s.excluded]) listed.add(`${q.provider}\u0000${q.model}`);
  }
  const present = quotes.filter((q) => listed.has(`${q.provider}\u0000${q.model}`));
  const listings: Target[] = [...new Set(present.map((q) => `${q.provider}\u0000${q.model}`))].sort().map((key) => ({ name: key.replace("\u0000", " "), hit: (q) => `${q.provider}\u0000${q.model}` === key }));
  const providers = [...new Set(present.map((q) => q.provider))].sort();
  const owner = def.companies ?? {};
  const companyOf = (p: string) => owner[p] ?? p;
  const providerTargets: Target[] = providers.map((p) => ({ name: p, hit: (q) => q.provider === p }));
  const companies = [...new Set(providers.map(companyOf))].sort();
  const companyTargets: Target[] = companies.map((c) => ({ name: c, hit: (q) => companyOf(q.provider) === c }));

  const worst = (targets: readonly Target[]): WorstMove => {
    let best: WorstMove = { movePct: "0", target: null, corruption: null, value: honest.toString(), attempts: 0, refused: 0 };
    let bestMove = -1n;
    let attempts = 0;
    let refused = 0;
    for (const t of targets) {
      for (const kind of CORRUPTIONS) {
        attempts++;
        const r = fix(quotes.map((q) => (t.hit(q) ? corruptQuote(q, kind) : q)));
        if (!r.ok) {
          refused++;
          continue;
        }
        const d = r.fixing.value > honest ? r.fixing.value - honest : honest - r.fixing.value;
        if (d > bestMove) {
          bestMove = d;
          best = { movePct: formatDecimal(rational(d * 100n, honest), 6), target: t.name, corruption: kind, value: r.fixing.value.toString(), attempts: 0, refused: 0 };
        }
      }
    }
    return { ...best, attempts, refused };
  };
  const whole = (kind: "x1000" | "x0.001") => {
    const r = fix(quotes.map((q) => corruptQuote(q, kind)));
    return r.ok ? { value: r.fixing.value.toString(), reason: null } : { value: null, reason: r.reason.code };
  };
  return {
    index: def.name,
    methodologyVersion: def.methodologyVersion,
    timestamp: at,
    value: honest.toString(),
    corruptions: CORRUPTIONS,
    worstQuote: worst(listings),
    worstProvider: worst(providerTargets),
    worstCompany: worst(companyTargets),
    wholeSource: { x1000: whole("x1000"), "x0.001": whole("x0.001") },
  };
}
