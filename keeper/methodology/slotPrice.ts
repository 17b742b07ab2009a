import {
  DecimalParseError,
  type Rational,
  ZERO,
  add,
  cmp,
  div,
  formatDecimal,
  median,
  mul,
  parseDecimal,
  rational,
  shift10,
  toFixedTowardZero,
} from "./decimal.js";
import type { ExcludedQuote, Quote, ReportQuote } from "./types.js";

/** Quotes of one poll indexed by `provider \0 model` (built once per poll). */
export type QuoteIndex = ReadonlyMap<string, readonly Quote[]>;

export function quoteKey(provider: string, model: string): string {
  return `${provider}\u0000${model}`;
}

export function indexQuotes(quotes: readonly Quote[]): QuoteIndex {
  const map = new Map<string, Quote[]>();
  for (const q of quotes) {
    const key = quoteKey(q.provider, q.model);
    const list = map.get(key);
    if (list === undefined) map.set(key, [q]);
    else list.push(q);
  }
  return map;
}

/** The numeric rules a slot price needs, parsed once from the definition. */
export interface PriceRules {
  readonly inputWeight: Rational;
  readonly outputWeight: Rational;
  readonly outlierFactor: Rational;
}

/** Result of pricing one identity in one poll. */
export interface IdentityPollPrice {
  /** 18-decimal slot price of this poll, rounded toward zero; undefined when no quote is left. */
  readonly price: bigint | undefined;
  readonly used: readonly ReportQuote[];
  readonly excluded: readonly ExcludedQuote[];
}

type PriceField = { value: Rational | undefined; text: string | null; error?: string };

function readPrice(text: string | undefined, scale: number, label: string, required: boolean): PriceField {
  if (text === undefined) return required ? { value: undefined, text: null, error: `missing ${label} price` } : { value: undefined, text: null };
  let value: Rational;
  try {
    value = shift10(parseDecimal(text), scale);
  } catch (e) {
    const why = e instanceof DecimalParseError ? e.message : String(e);
    return required ? { value: undefined, text, error: `${label} price is not a usable decimal (${why})` } : { value: undefined, text };
  }
  const shown = formatDecimal(value);
  if (required && cmp(value, ZERO) <= 0) return { value: undefined, text: shown, error: `${label} price is not strictly positive: ${shown}` };
  return { value, text: shown };
}

export function compareReport(a: ReportQuote, b: ReportQuote): number {
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  if (a.model !== b.model) return a.model < b.model ? -1 : 1;
  const ai = a.input ?? "";
  const bi = b.input ?? "";
  if (ai !== bi) return ai < bi ? -1 : 1;
  const ao = a.output ?? "";
  const bo = b.output ?? "";
  return ao === bo ? 0 : ao < bo ? -1 : 1;
}

export function compareExcluded(a: ExcludedQuote, b: ExcludedQuote): number {
  return compareReport(a, b) || (a.reason === b.reason ? 0 : a.reason < b.reason ? -1 : 1);
}

/** A quote that passed validation, with its exact blend in the index unit. */
export interface ValidatedQuote {
  readonly report: ReportQuote;
  readonly blend: Rational;
}

/**
 * The valid quotes of an identity in one poll (both methodology versions): each matching quote's prices
 * checked (present, decimal, > 0 where the blend weight is non-zero) and blended; conflicting duplicates of
 * one (provider, model) are all excluded, identical ones count once. Valid quotes in `pairs` order.
 */
export function validateQuotes(
  pairs: readonly (readonly [string, string])[],
  index: QuoteIndex,
  rules: PriceRules,
  poll: number,
): { valid: ValidatedQuote[]; excluded: ExcludedQuote[] } {
  const excluded: ExcludedQuote[] = [];
  const valid: ValidatedQuote[] = [];
  const needInput = rules.inputWeight.num !== 0n;
  const needOutput = rules.outputWeight.num !== 0n;
  const weightSum = add(rules.inputWeight, rules.outputWeight);
  for (const [provider, model] of pairs) {
    const found = index.get(quoteKey(provider, model));
    if (found === undefined) continue;
    const candidates: ValidatedQuote[] = [];
    for (const q of found) {
      const scale = q.scale ?? 0;
      const input = readPrice(q.input, scale, "input", needInput);
      const output = readPrice(q.output, scale, "output", needOutput);
      const error = input.error ?? output.error;
      const base = { poll, provider, model, input: input.text, output: output.text };
      if (error !== undefined) {
        excluded.push({ ...base, blend: null, reason: error });
        continue;
      }
      const weighted = add(
        needInput ? mul(input.value as Rational, rules.inputWeight) : ZERO,
        needOutput ? mul(output.value as Rational, rules.outputWeight) : ZERO,
      );
      const blend = div(weighted, weightSum);
      candidates.push({ report: { ...base, blend: formatDecimal(blend) }, blend });
    }
    const distinct = new Map(candidates.map((c) => [`${c.report.input}|${c.report.output}`, c]));
    if (distinct.size > 1) {
      for (const c of candidates) excluded.push({ ...c.report, reason: `conflicting duplicate quotes for (${provider}, ${model})` });
    } else {
      for (const c of distinct.values()) valid.push(c);
    }
  }
  return { valid, excluded };
}

/**
 * Prices one model identity in one poll (methodology v1, "Slot price"): validate each matching quote,
 * blend, take the exact median, drop quotes strictly above factor x median or strictly below
 * median / factor, and return the median of the rest rounded toward zero to 18 decimals.
 * Conflicting duplicates of one (provider, model) in a poll are all excluded; identical ones count once.
 */
export function priceIdentity(
  pairs: readonly (readonly [string, string])[],
  index: QuoteIndex,
  rules: PriceRules,
  poll: number,
): IdentityPollPrice {
  const { valid, excluded } = validateQuotes(pairs, index, rules, poll);
  let price: bigint | undefined;
  const used: ReportQuote[] = [];
  if (valid.length > 0) {
    const m = median(valid.map((v) => v.blend));
    const upper = mul(m, rules.outlierFactor);
    const lower = div(m, rules.outlierFactor);
    const kept: Rational[] = [];
    for (const v of valid) {
      if (cmp(v.blend, upper) > 0) {
        excluded.push({ ...v.report, reason: `outlier: blend ${v.report.blend} > ${formatDecimal(rules.outlierFactor)} x median ${formatDecimal(m)}` });
      } else if (cmp(v.blend, lower) < 0) {
        excluded.push({ ...v.report, reason: `outlier: blend ${v.report.blend} < median ${formatDecimal(m)} / ${formatDecimal(rules.outlierFactor)}` });
      } else {
        kept.push(v.blend);
        used.push(v.report);
      }
    }
    // With a factor >= 2 kept is never empty (the upper middle value is <= 2 x median); guard anyway.
    price = kept.length > 0 ? toFixedTowardZero(median(kept), 18) : undefined;
  }
  used.sort(compareReport);
  excluded.sort(compareExcluded);
  return { price, used, excluded };
}

/** Mean of per-poll prices (18-decimal integers), rounded toward zero. */
export function meanTowardZero(values: readonly bigint[]): bigint {
  if (values.length === 0) throw new RangeError("mean of an empty list");
  return toFixedTowardZero(rational(values.reduce((a, b) => a + b, 0n), BigInt(values.length)), 0);
}
