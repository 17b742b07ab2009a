import { indexIdFromName } from "../../sdk/oracle.js";
import { type Rational, ZERO, add, cmp, div, formatDecimal, formatFixed, mul, parseDecimal, rational, toFixedTowardZero } from "./decimal.js";
import { computeFixingV2 } from "./computeFixingV2.js";
import { activeStep } from "./definition.js";
import { type HashedSlot, inputsHash } from "./inputsHash.js";
import { type IdentityPollPrice, type PriceRules, type QuoteIndex, indexQuotes, meanTowardZero, priceIdentity } from "./slotPrice.js";
import type {
  ChainLinkReport,
  ChainState,
  ExcludedQuote,
  FixingReport,
  FixingResult,
  IndexDefinition,
  NoFixingReason,
  Poll,
  ReportQuote,
  SlotReport,
} from "./types.js";

export interface ComputeFixingOptions {
  /**
   * The state after the previous fixing (absent for the first one): chain-linked v1 indices link to it;
   * methodology v2 uses it as the reference of its bounded-influence and source checks and its successions.
   */
  readonly previous?: ChainState | undefined;
}

/** An identity priced over the whole window. */
interface WindowPrice {
  readonly identity: string;
  readonly perPoll: readonly IdentityPollPrice[];
  readonly price: bigint | undefined;
}

function priceWindow(def: IndexDefinition, identity: string, indexes: readonly QuoteIndex[], rules: PriceRules, minShare: Rational): WindowPrice {
  const pairs = def.identities[identity] ?? [];
  const perPoll = indexes.map((index, poll) => priceIdentity(pairs, index, rules, poll));
  const priced = perPoll.flatMap((p) => (p.price === undefined ? [] : [p.price]));
  const enough = priced.length > 0 && cmp(rational(BigInt(priced.length), BigInt(indexes.length)), minShare) >= 0;
  return { identity, perPoll, price: enough ? meanTowardZero(priced) : undefined };
}

function hashed(slotId: string, w: WindowPrice, polls: readonly Poll[]): HashedSlot {
  return { slotId, identity: w.identity, polls: w.perPoll.map((p, i) => ({ time: (polls[i] as Poll).time, quotes: p.used })) };
}

/**
 * Computes one fixing of `def` at `at` (unix seconds) from the polls of a window. Methodology v2
 * definitions go to computeFixingV2; below is methodology v1:
 * per slot the active identity's price per poll, the window mean, then the weighted mean of priced
 * slots with weights renormalised; no fixing when priced weight < minPricedWeightShare of the total.
 * With `linking: "chain"` the level moves by the weighted mean of matched-model price relatives.
 * Pure: the same arguments always give the same result, report and bytes.
 */
export function computeFixing(def: IndexDefinition, polls: readonly Poll[], at: number, options: ComputeFixingOptions = {}): FixingResult {
  if (def.methodologyVersion >= 2) return computeFixingV2(def, polls, at, options.previous);
  const indexId = indexIdFromName(def.name);
  const rules: PriceRules = {
    inputWeight: parseDecimal(def.blend.input),
    outputWeight: parseDecimal(def.blend.output),
    outlierFactor: parseDecimal(def.outlierFactor),
  };
  const minPollShare = parseDecimal(def.minPricedPollShare);
  const ordered = [...polls].sort((a, b) => a.time - b.time);
  const indexes = ordered.map((p) => indexQuotes(p.quotes));

  const windows = def.slots.map((slot) => {
    const step = activeStep(slot, at);
    return step === undefined ? undefined : priceWindow(def, step.identity, indexes, rules, minPollShare);
  });

  let totalWeight: Rational = ZERO;
  let pricedWeight: Rational = ZERO;
  let weightedSum: Rational = ZERO;
  def.slots.forEach((slot, i) => {
    const w = parseDecimal(slot.weight);
    totalWeight = add(totalWeight, w);
    const price = windows[i]?.price;
    if (price !== undefined) {
      pricedWeight = add(pricedWeight, w);
      weightedSum = add(weightedSum, mul(w, rational(price)));
    }
  });

  const hashedSlots: HashedSlot[] = [];
  def.slots.forEach((slot, i) => {
    const w = windows[i];
    hashedSlots.push(w === undefined ? { slotId: slot.id, identity: "", polls: [] } : hashed(slot.id, w, ordered));
  });

  let reason: NoFixingReason | undefined;
  let value: bigint | undefined;
  let chainState: ChainState | undefined;
  const links = new Map<string, ChainLinkReport>();
  const minWeight = parseDecimal(def.minPricedWeightShare);
  const late = ordered.find((p) => p.time > at);

  if (ordered.length === 0) {
    reason = { code: "NO_POLLS", message: "no poll in the window: nothing to price" };
  } else if (late !== undefined) {
    reason = { code: "POLL_AFTER_FIXING_TIME", message: `poll at ${late.time} is after the fixing time ${at}`, pollTime: late.time };
  } else if (cmp(pricedWeight, mul(totalWeight, minWeight)) < 0) {
    reason = insufficient(pricedWeight, totalWeight, def.minPricedWeightShare, "priced");
  } else {
    const tierValue = toFixedTowardZero(div(weightedSum, pricedWeight), 0);
    if (def.linking === "tier") {
      value = tierValue;
    } else {
      const priceOther = (identity: string) => priceWindow(def, identity, indexes, rules, minPollShare);
      const linked = chainLink(def, windows, options.previous, tierValue, totalWeight, minWeight, priceOther);
      for (const [slotId, link] of linked.links) links.set(slotId, link);
      for (const extra of linked.extraWindows) hashedSlots.push(hashed(extra.slotId, extra.window, ordered));
      if (linked.reason !== undefined) reason = linked.reason;
      else {
        value = linked.level;
        chainState = { timestamp: at, level: linked.level as bigint, bases: linked.bases };
      }
    }
    if (value === 0n) reason = { code: "ZERO_VALUE", message: "the index value rounds to zero at 18 decimals" };
    if (reason !== undefined) value = undefined;
  }

  const hash = inputsHash(indexId, def.methodologyVersion, hashedSlots);
  const slots: SlotReport[] = def.slots.map((slot, i) => {
    const w = windows[i];
    const quotes: ReportQuote[] = w === undefined ? [] : w.perPoll.flatMap((p) => p.used);
    const excluded: ExcludedQuote[] = w === undefined ? [] : w.perPoll.flatMap((p) => p.excluded);
    return {
      id: slot.id,
      name: slot.name,
      weight: slot.weight,
      model: w?.identity ?? null,
      price: w?.price === undefined ? null : w.price.toString(),
      priceDecimal: w?.price === undefined ? null : formatFixed(w.price, 18),
      pollPrices: w === undefined ? ordered.map(() => null) : w.perPoll.map((p) => (p.price === undefined ? null : p.price.toString())),
      quotes,
      excluded,
      ...(links.has(slot.id) ? { link: links.get(slot.id) } : {}),
    };
  });
  const report: FixingReport = {
    index: def.name,
    indexId,
    methodologyVersion: def.methodologyVersion,
    linking: def.linking,
    unit: def.unit,
    timestamp: at,
    value: value === undefined ? null : value.toString(),
    valueDecimal: value === undefined ? null : formatFixed(value, 18),
    inputsHash: hash,
    pricedWeight: formatDecimal(pricedWeight),
    totalWeight: formatDecimal(totalWeight),
    polls: ordered.map((p) => p.time),
    slots,
    ...(reason === undefined ? {} : { noFixingReason: reason }),
  };
  if (reason !== undefined || value === undefined) return { ok: false, reason: reason as NoFixingReason, report };
  const fixing = { indexId, timestamp: at, value, methodologyVersion: def.methodologyVersion, inputsHash: hash };
  return chainState === undefined ? { ok: true, fixing, report } : { ok: true, fixing, report, chainState };
}

function insufficient(have: Rational, total: Rational, share: string, what: string): NoFixingReason {
  return {
    code: "INSUFFICIENT_PRICED_WEIGHT",
    message: `${what} weight ${formatDecimal(have)} of ${formatDecimal(total)} is below the required share ${share}`,
    pricedWeight: formatDecimal(have),
    totalWeight: formatDecimal(total),
    requiredShare: share,
  };
}

interface ChainOutcome {
  readonly level?: bigint;
  readonly bases: Record<string, { model: string; price: bigint }>;
  readonly links: Map<string, ChainLinkReport>;
  readonly extraWindows: { slotId: string; window: WindowPrice }[];
  readonly reason?: NoFixingReason;
}

/**
 * Chain-linked level (constant-quality index): level_t = level_{t-1} x sum(w_i x p_i,t / p_i,t-1) / sum(w_i)
 * over slots whose base model (the identity priced at t-1) is priced again at t, rounded toward zero once.
 * A succession switch enters through overlap: the relative uses the old model at both dates, and the new
 * model's price at t becomes the base for t+1, so the level does not jump. Without a previous state the
 * chain starts at the tier value.
 */
function chainLink(
  def: IndexDefinition,
  windows: readonly (WindowPrice | undefined)[],
  previous: ChainState | undefined,
  tierValue: bigint,
  totalWeight: Rational,
  minWeight: Rational,
  priceOther: (identity: string) => WindowPrice,
): ChainOutcome {
  const bases: Record<string, { model: string; price: bigint }> = {};
  const links = new Map<string, ChainLinkReport>();
  const extraWindows: { slotId: string; window: WindowPrice }[] = [];
  def.slots.forEach((slot, i) => {
    const w = windows[i];
    if (w?.price !== undefined) bases[slot.id] = { model: w.identity, price: w.price };
    else if (previous?.bases[slot.id] !== undefined) bases[slot.id] = previous.bases[slot.id] as { model: string; price: bigint };
  });
  if (previous === undefined) return { level: tierValue, bases, links, extraWindows };
  let linkedWeight: Rational = ZERO;
  let relativeSum: Rational = ZERO;
  def.slots.forEach((slot, i) => {
    const base = previous.bases[slot.id];
    if (base === undefined) return;
    const w = windows[i];
    let current = w?.identity === base.model ? w : undefined;
    if (current === undefined) {
      current = priceOther(base.model);
      extraWindows.push({ slotId: slot.id, window: current });
    }
    const relative = current.price === undefined ? undefined : rational(current.price, base.price);
    links.set(slot.id, {
      baseModel: base.model,
      basePrice: base.price.toString(),
      currentPrice: current.price === undefined ? null : current.price.toString(),
      relative: relative === undefined ? null : formatDecimal(relative),
    });
    if (relative !== undefined) {
      const weight = parseDecimal(slot.weight);
      linkedWeight = add(linkedWeight, weight);
      relativeSum = add(relativeSum, mul(weight, relative));
    }
  });
  if (cmp(linkedWeight, mul(totalWeight, minWeight)) < 0) {
    return { bases, links, extraWindows, reason: insufficient(linkedWeight, totalWeight, def.minPricedWeightShare, "linked") };
  }
  const level = toFixedTowardZero(mul(rational(previous.level), div(relativeSum, linkedWeight)), 0);
  return { level, bases, links, extraWindows };
}
