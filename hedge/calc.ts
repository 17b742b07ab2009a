/**
 * The hedge calculator, pure and exact (bigint only): how many long contracts hedge a monthly token spend, the
 * margin they need, and the backtest of the plan over a monthly price path (docs/hedging.md).
 *
 * Units: prices and index values 18 decimals (USD per 1M tokens); money in collateral base units (6 decimals);
 * `contractSize` in base units per contract per 1.0 of index. N tokens at price p cost N * p / 1e18 base units
 * (N / 1e6 million tokens x p USD x 1e6 base units), rounded up: the plan pays.
 */
import { WAD, divFloor } from "../sdk/units.js";
import { mulDivUp, requirementUp } from "../sdk/marginMath.js";

/** One month of the path: the model's price and the index, both in force at the month's end (the series' expiry). */
export interface MonthPrice {
  /** "YYYY-MM". */
  month: string;
  modelPrice: bigint;
  index: bigint;
}

export interface HedgeTerms {
  tokensPerMonth: bigint;
  contractSize: bigint;
  initialMarginBps: number;
}

/** Monthly cost of `tokens` at `price`, base units, rounded up (the plan pays). */
export const costUp = (tokens: bigint, price: bigint): bigint => mulDivUp(tokens, price, WAD);

/**
 * Contracts per monthly series: the value-matched hedge ratio, N * p0 / (I0 * contractSize) rounded half up to a
 * whole contract. One contract gains contractSize per 1.0 of index; the plan loses N / 1e18 per 1e-18 of model
 * price; if the model's price moves in proportion to the index (p = p0 * I / I0), this many contracts offset it.
 */
export function hedgeContracts(terms: HedgeTerms, entryModelPrice: bigint, entryIndex: bigint): bigint {
  const num = terms.tokensPerMonth * entryModelPrice;
  const den = entryIndex * terms.contractSize;
  return (2n * num + den) / (2n * den);
}

/** Initial margin of `contracts` long at `entryIndex` in each of `months` series, rounded up per series. */
export function marginNeeded(terms: HedgeTerms, contracts: bigint, entryIndex: bigint, months: number): bigint {
  return BigInt(months) * requirementUp(contracts, entryIndex, terms.contractSize, terms.initialMarginBps);
}

/** Long futures payoff at expiry: contracts * contractSize * (index - entry) / 1e18, rounded toward minus infinity. */
export const payoffDown = (contracts: bigint, contractSize: bigint, entry: bigint, index: bigint): bigint =>
  divFloor(contracts * contractSize * (index - entry), WAD);

/** n * sum(x^2) - sum(x)^2 = n^2 x population variance (exact). */
export function scaledVariance(xs: readonly bigint[]): bigint {
  const n = BigInt(xs.length);
  let s = 0n;
  let s2 = 0n;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return n * s2 - s * s;
}

/** floor(sqrt(v)) for v >= 0 (Newton). */
export function isqrt(v: bigint): bigint {
  if (v < 0n) throw new RangeError("isqrt of a negative number");
  if (v < 2n) return v;
  let x = v;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + v / x) / 2n;
  }
  return x;
}

/** Population standard deviation, rounded down. */
export const stdDown = (xs: readonly bigint[]): bigint => (xs.length === 0 ? 0n : isqrt(scaledVariance(xs)) / BigInt(xs.length));

/** 1 - a / b as a decimal string with `places` decimals, rounded toward zero (null when b is 0: undefined). */
export function oneMinusRatio(a: bigint, b: bigint, places = 4): string | null {
  if (b === 0n) return null;
  const scale = 10n ** BigInt(places);
  const q = ((b - a) * scale) / b; // truncates toward zero
  const neg = q < 0n;
  const m = neg ? -q : q;
  return `${neg ? "-" : ""}${m / scale}.${(m % scale).toString().padStart(places, "0")}`;
}

/** One plan month of a backtest, money in base units. */
export interface BacktestMonth {
  month: string;
  index: bigint;
  unhedged: bigint;
  payoff: bigint;
  /** unhedged - payoff. */
  hedged: bigint;
}

export interface ModelMonth extends BacktestMonth {
  modelPrice: bigint;
  /** The model's price minus what the index implies for it (p0 * I / I0), 18 decimals, rounded toward minus infinity. */
  basis: bigint;
}

interface Stats<M extends BacktestMonth> {
  contracts: bigint;
  marginNeeded: bigint;
  months: M[];
  unhedgedStd: bigint;
  hedgedStd: bigint;
  /**
   * 1 - hedged variance / unhedged variance (4 decimals, toward zero); negative when the hedge adds risk; null when
   * the unhedged cost never moved (nothing to reduce).
   */
  varianceReduction: string | null;
  /** The month of the highest hedged cost. */
  worstMonth: M;
  /**
   * The largest mark-to-market loss of the hedge at one month end: the loss per series times the series still open
   * then (the expiring one included). The hedger must hold this on top of the initial margin (or be liquidated).
   */
  peakVariationLoss: bigint;
}

export interface Backtest extends Stats<ModelMonth> {
  /** Month of entry (the path's first month): hedges are bought at its index, the plan's price is its model price. */
  entry: MonthPrice;
}

function stats<M extends BacktestMonth>(contracts: bigint, margin: bigint, months: M[]): Stats<M> {
  const unhedged = months.map((m) => m.unhedged);
  const hedged = months.map((m) => m.hedged);
  return {
    contracts,
    marginNeeded: margin,
    months,
    unhedgedStd: stdDown(unhedged),
    hedgedStd: stdDown(hedged),
    varianceReduction: oneMinusRatio(scaledVariance(hedged), scaledVariance(unhedged)),
    worstMonth: months.reduce((w, m) => (m.hedged > w.hedged ? m : w)),
    peakVariationLoss: months.reduce((peak, m, i) => {
      const loss = m.payoff < 0n ? -m.payoff * BigInt(months.length - i) : 0n;
      return loss > peak ? loss : peak;
    }, 0n),
  };
}

/**
 * Entry assumption: at the end of `path[0]` the plan buys `contracts` in each of the next `path.length - 1` monthly
 * series at that day's index (no futures prices exist for the past: the curve is taken as flat at the index). Each
 * later month pays the model's price of its month end and the series expiring then pays the index move since entry.
 */
export function backtest(terms: HedgeTerms, path: readonly MonthPrice[]): Backtest {
  const [entry, ...rest] = path;
  if (!entry || rest.length === 0) throw new RangeError("backtest: needs an entry month and at least one plan month");
  const contracts = hedgeContracts(terms, entry.modelPrice, entry.index);
  const months = rest.map((m): ModelMonth => {
    const unhedged = costUp(terms.tokensPerMonth, m.modelPrice);
    const payoff = payoffDown(contracts, terms.contractSize, entry.index, m.index);
    return {
      month: m.month,
      index: m.index,
      modelPrice: m.modelPrice,
      unhedged,
      payoff,
      hedged: unhedged - payoff,
      basis: m.modelPrice - divFloor(entry.modelPrice * m.index, entry.index),
    };
  });
  return { entry, ...stats(contracts, marginNeeded(terms, contracts, entry.index, months.length), months) };
}
