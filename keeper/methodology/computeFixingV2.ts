import { indexIdFromName } from "../../sdk/oracle.js";
import { type Rational, ONE, ZERO, add, cmp, div, formatDecimal, formatFixed, mul, parseDecimal, rational, toFixedTowardZero } from "./decimal.js";
import { activeStep } from "./definition.js";
import { type HashedSlot, inputsHash } from "./inputsHash.js";
import { type PriceRules, type QuoteIndex, indexQuotes, meanTowardZero, validateQuotes } from "./slotPrice.js";
import { type FamilyVersion, compareVersions, familyVersions, identityVersion, monthStart, nextMonthStart } from "./succession.js";
import type { ChainState, FixingReport, FixingResult, IndexDefinition, NoFixingReason, Poll, SlotDefinition, SlotReport, SuccessionNotice } from "./types.js";
import { type VotedPollPrice, companyVotes, votedPollPrice } from "./votes.js";

const E18 = 10n ** 18n;
const DAY = 86_400;

interface Context {
  readonly def: IndexDefinition;
  readonly rules: PriceRules;
  readonly owner: Readonly<Record<string, string>>;
  readonly slotBudget: Rational;
  readonly moveLimit: Rational;
  readonly totalWeight: Rational;
  readonly minPollShare: Rational;
  readonly indexes: readonly QuoteIndex[];
  readonly previous: ChainState | undefined;
}

interface WindowV2 {
  readonly identity: string;
  readonly reference: bigint | undefined;
  readonly perPoll: readonly VotedPollPrice[];
  readonly price: bigint | undefined;
  /** Mean of the polls' unruled vote medians (exact), for the source scale check. */
  readonly rawMean: Rational | undefined;
}

/**
 * Half-width of a slot's reference band: min(slotBudget x level x totalWeight / weight, moveLimit x reference),
 * so one slot's weighted contribution moves at most slotBudget x level in a fixing.
 */
function bandOf(ctx: Context, weight: Rational, reference: bigint | undefined): Rational | undefined {
  if (reference === undefined || ctx.previous === undefined) return undefined;
  const byBudget = div(mul(mul(ctx.slotBudget, rational(ctx.previous.level, E18)), ctx.totalWeight), weight);
  const byLimit = mul(ctx.moveLimit, rational(reference, E18));
  return cmp(byBudget, byLimit) <= 0 ? byBudget : byLimit;
}

function priceWindow(ctx: Context, identity: string, pairs: readonly (readonly [string, string])[], weight: Rational): WindowV2 {
  const reference = ctx.previous?.prices?.[identity];
  const band = bandOf(ctx, weight, reference);
  const perPoll = ctx.indexes.map((index, k) => votedPollPrice(pairs, index, ctx.rules, k, ctx.owner, reference, band));
  const priced = perPoll.filter((p) => p.price !== undefined);
  const enough = priced.length > 0 && cmp(rational(BigInt(priced.length), BigInt(ctx.indexes.length)), ctx.minPollShare) >= 0;
  if (!enough) return { identity, reference, perPoll, price: undefined, rawMean: undefined };
  const rawSum = priced.reduce((a, p) => add(a, p.median as Rational), ZERO);
  return { identity, reference, perPoll, price: meanTowardZero(priced.map((p) => p.price as bigint)), rawMean: div(rawSum, rational(BigInt(priced.length))) };
}

function companiesInLastPoll(ctx: Context, pairs: readonly (readonly [string, string])[]): number {
  const last = ctx.indexes[ctx.indexes.length - 1];
  if (last === undefined) return 0;
  return companyVotes(validateQuotes(pairs, last, ctx.rules, ctx.indexes.length - 1).valid, ctx.owner).length;
}

interface SlotPlan {
  readonly identity: string | undefined;
  readonly roll: { identity: string; from: number } | undefined;
  readonly versions: readonly FamilyVersion[];
  /** The identity a roll is waiting for (no reference price yet): priced in this fixing for the next. */
  readonly deferred?: string | undefined;
}

/** Active identity of a slot: the explicit step or the rule's roll, whichever took effect later (a tie: the explicit step). */
function planSlot(ctx: Context, slot: SlotDefinition, at: number, ordered: readonly Poll[], decisions: string[]): SlotPlan {
  const explicit = activeStep(slot, at);
  let roll = ctx.previous?.rolls?.[slot.id];
  const pick = () => (roll !== undefined && (explicit === undefined || roll.from > explicit.from) ? roll.identity : explicit?.identity);
  const defined = new Map<string, string>();
  for (const step of slot.succession) {
    const v = identityVersion(ctx.def, slot, step.identity);
    if (v !== undefined) defined.set(v.join("."), step.identity);
  }
  const versions = familyVersions(slot, ordered).map((v) => {
    const name = defined.get(v.segments.join("."));
    return name === undefined ? v : { identity: name, segments: v.segments, pairs: ctx.def.identities[name] ?? v.pairs };
  });
  const prev = ctx.previous;
  const rule = ctx.def.successionRule;
  const current = pick();
  const rollTime = monthStart(at);
  if (prev !== undefined && rule !== undefined && current !== undefined && slot.family !== undefined && rollTime > prev.timestamp) {
    const have = identityVersion(ctx.def, slot, current);
    const eligible = have === undefined ? [] : versions.filter((v) => {
      const since = prev.listed?.[v.identity];
      return compareVersions(v.segments, have) > 0 && since !== undefined && since <= rollTime - rule.minListedDays * DAY && companiesInLastPoll(ctx, v.pairs) >= rule.minCompanies;
    });
    const best = eligible[eligible.length - 1];
    if (best !== undefined) {
      roll = { identity: best.identity, from: rollTime };
      decisions.push(`succession rule: ${slot.id} rolls from ${current} to ${best.identity} at ${iso(rollTime)} (listed by >= ${rule.minCompanies} companies since ${iso(prev.listed?.[best.identity] as number)})`);
    }
  }
  let identity = pick();
  const base = prev?.bases[slot.id];
  if (identity !== undefined && base !== undefined && base.model !== identity && prev?.prices?.[identity] === undefined) {
    decisions.push(`succession: ${slot.id} keeps ${base.model} for this fixing: ${identity} has no reference price yet (priced now, it enters at the next fixing)`);
    return { identity: base.model, roll, versions, deferred: identity };
  }
  return { identity, roll, versions };
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace(".000Z", "Z");
}

function pairsOf(def: IndexDefinition, plan: SlotPlan, identity: string): readonly (readonly [string, string])[] {
  return def.identities[identity] ?? plan.versions.find((v) => v.identity === identity)?.pairs ?? [];
}

/** Weighted lower median of (value, weight) pairs: the smallest value whose cumulative weight reaches half. */
function weightedLowerMedian(items: readonly { value: Rational; weight: Rational }[]): Rational | undefined {
  const sorted = [...items].sort((a, b) => cmp(a.value, b.value));
  const total = sorted.reduce((a, x) => add(a, x.weight), ZERO);
  let acc: Rational = ZERO;
  for (const x of sorted) {
    acc = add(acc, x.weight);
    if (cmp(add(acc, acc), total) >= 0) return x.value;
  }
  return undefined;
}

/**
 * Methodology v2 fixing (docs/methodology.md, "Methodology v2"): company votes, bounded influence against the
 * reference state (`previous`, the state after the previous fixing), source scale check, plausible range, and
 * rule-based successions. Returns the state for the next fixing in `chainState`. Pure.
 */
export function computeFixingV2(def: IndexDefinition, polls: readonly Poll[], at: number, previousIn: ChainState | undefined): FixingResult {
  const indexId = indexIdFromName(def.name);
  const robustness = def.robustness;
  const rule = def.successionRule;
  if (def.companies === undefined || robustness === undefined || rule === undefined) throw new Error(`index ${def.name}: methodology v2 needs companies, robustness and successionRule`);
  if (def.linking !== "tier") throw new Error(`index ${def.name}: methodology v2 computes tier-linked indices only`);
  const previous = previousIn !== undefined && previousIn.timestamp < at ? previousIn : undefined;
  const ordered = [...polls].sort((a, b) => a.time - b.time);
  const ctx: Context = {
    def,
    rules: { inputWeight: parseDecimal(def.blend.input), outputWeight: parseDecimal(def.blend.output), outlierFactor: parseDecimal(def.outlierFactor) },
    owner: def.companies,
    slotBudget: parseDecimal(robustness.slotBudget),
    moveLimit: parseDecimal(robustness.moveLimit),
    totalWeight: def.slots.reduce((a, sl) => add(a, parseDecimal(sl.weight)), ZERO),
    minPollShare: parseDecimal(def.minPricedPollShare),
    indexes: ordered.map((p) => indexQuotes(p.quotes)),
    previous,
  };
  const decisions: string[] = [];
  const plans = def.slots.map((slot) => planSlot(ctx, slot, at, ordered, decisions));
  const windows = def.slots.map((_, i) => {
    const plan = plans[i] as SlotPlan;
    return plan.identity === undefined ? undefined : priceWindow(ctx, plan.identity, pairsOf(def, plan, plan.identity), parseDecimal((def.slots[i] as SlotDefinition).weight));
  });

  // Succession candidates: newer family versions, tracked while they meet minCompanies, priced for their reference.
  const listed: Record<string, number> = {};
  const prices: Record<string, bigint> = { ...(previous?.prices ?? {}) };
  const successions: SuccessionNotice[] = [];
  def.slots.forEach((slot, i) => {
    const plan = plans[i] as SlotPlan;
    const weight = parseDecimal(slot.weight);
    const active = plan.identity;
    // The next explicit step and (below) the rule's candidates are priced ahead, so they enter with a reference.
    const ahead = [plan.deferred, slot.succession.find((st) => st.from > at)?.identity].filter((x): x is string => x !== undefined && x !== active);
    for (const identity of ahead) {
      const w = priceWindow(ctx, identity, pairsOf(def, plan, identity), weight);
      if (w.price !== undefined) prices[identity] = w.price;
    }
    const have = active === undefined ? undefined : identityVersion(def, slot, active);
    if (have === undefined) return;
    for (const v of plan.versions) {
      if (compareVersions(v.segments, have) <= 0) continue;
      const companies = companiesInLastPoll(ctx, v.pairs);
      const since = companies >= rule.minCompanies ? (previous?.listed?.[v.identity] ?? at) : undefined;
      if (since !== undefined) listed[v.identity] = since;
      let entersAt: number | null = null;
      if (since !== undefined) {
        entersAt = nextMonthStart(at);
        while (entersAt - since < rule.minListedDays * DAY) entersAt = nextMonthStart(entersAt);
      }
      const w = priceWindow(ctx, v.identity, v.pairs, weight);
      if (w.price !== undefined) prices[v.identity] = w.price;
      successions.push({
        slot: slot.id,
        identity: v.identity,
        companies,
        listedSince: since ?? null,
        entersAt,
        decision:
          since === undefined
            ? `not eligible: ${companies} of ${rule.minCompanies} companies`
            : `enters ${slot.id} at the ${iso(entersAt as number)} roll if still listed by >= ${rule.minCompanies} companies (listed since ${iso(since)}, ${rule.minListedDays} days needed)`,
      });
    }
  });

  let totalWeight: Rational = ZERO;
  let pricedWeight: Rational = ZERO;
  let weightedSum: Rational = ZERO;
  const ratios: { value: Rational; weight: Rational }[] = [];
  def.slots.forEach((slot, i) => {
    const w = parseDecimal(slot.weight);
    totalWeight = add(totalWeight, w);
    const win = windows[i];
    if (win?.price === undefined) return;
    pricedWeight = add(pricedWeight, w);
    weightedSum = add(weightedSum, mul(w, rational(win.price)));
    if (win.reference !== undefined && win.rawMean !== undefined) ratios.push({ value: div(win.rawMean, rational(win.reference, E18)), weight: w });
  });

  let reason: NoFixingReason | undefined;
  let value: bigint | undefined;
  const late = ordered.find((p) => p.time > at);
  const minWeight = parseDecimal(def.minPricedWeightShare);
  const factor = parseDecimal(robustness.sourceScaleFactor);
  const scale = weightedLowerMedian(ratios);
  if (scale !== undefined) decisions.push(`source scale check: weighted median of slot ratios to the reference = ${formatDecimal(scale)} (refused beyond x${robustness.sourceScaleFactor} or /${robustness.sourceScaleFactor})`);
  if (ordered.length === 0) {
    reason = { code: "NO_POLLS", message: "no poll in the window: nothing to price" };
  } else if (late !== undefined) {
    reason = { code: "POLL_AFTER_FIXING_TIME", message: `poll at ${late.time} is after the fixing time ${at}`, pollTime: late.time };
  } else if (cmp(pricedWeight, mul(totalWeight, minWeight)) < 0) {
    reason = {
      code: "INSUFFICIENT_PRICED_WEIGHT",
      message: `priced weight ${formatDecimal(pricedWeight)} of ${formatDecimal(totalWeight)} is below the required share ${def.minPricedWeightShare}`,
      pricedWeight: formatDecimal(pricedWeight),
      totalWeight: formatDecimal(totalWeight),
      requiredShare: def.minPricedWeightShare,
    };
  } else if (scale !== undefined && (cmp(scale, factor) > 0 || cmp(mul(scale, factor), ONE) < 0)) {
    reason = {
      code: "SOURCE_SCALE_SUSPECT",
      message: `the source's prices are ${formatDecimal(scale)} x the reference (weighted median of slot ratios), beyond the factor ${robustness.sourceScaleFactor}: a unit error is suspected`,
      ratio: formatDecimal(scale),
      factor: robustness.sourceScaleFactor,
    };
  } else {
    value = toFixedTowardZero(div(weightedSum, pricedWeight), 0);
    const [min, max] = [parseDecimal(robustness.plausibleMin), parseDecimal(robustness.plausibleMax)];
    const asDecimal = rational(value, E18);
    if (value === 0n) reason = { code: "ZERO_VALUE", message: "the index value rounds to zero at 18 decimals" };
    else if (cmp(asDecimal, min) < 0 || cmp(asDecimal, max) > 0) {
      const shown = formatFixed(value, 18);
      reason = { code: "IMPLAUSIBLE_VALUE", message: `value ${shown} is outside the plausible range [${robustness.plausibleMin}, ${robustness.plausibleMax}]`, value: shown, min: robustness.plausibleMin, max: robustness.plausibleMax };
    }
    if (reason !== undefined) value = undefined;
  }

  const hashedSlots: HashedSlot[] = def.slots.map((slot, i) => {
    const w = windows[i];
    return w === undefined ? { slotId: slot.id, identity: "", polls: [] } : { slotId: slot.id, identity: w.identity, polls: w.perPoll.map((p, k) => ({ time: (ordered[k] as Poll).time, quotes: p.used })) };
  });
  def.slots.forEach((slot, i) => {
    const w = windows[i];
    if (w?.reference === undefined || previous === undefined) return;
    const quote = { poll: 0, provider: "reference", model: w.identity, input: formatFixed(w.reference, 18), output: null, blend: null };
    hashedSlots.push({ slotId: `reference:${slot.id}`, identity: w.identity, polls: [{ time: previous.timestamp, quotes: [quote] }] });
  });
  const hash = inputsHash(indexId, def.methodologyVersion, hashedSlots);

  const slots: SlotReport[] = def.slots.map((slot, i) => {
    const w = windows[i];
    return {
      id: slot.id,
      name: slot.name,
      weight: slot.weight,
      model: w?.identity ?? null,
      price: w?.price === undefined ? null : w.price.toString(),
      priceDecimal: w?.price === undefined ? null : formatFixed(w.price, 18),
      pollPrices: w === undefined ? ordered.map(() => null) : w.perPoll.map((p) => (p.price === undefined ? null : p.price.toString())),
      quotes: w === undefined ? [] : w.perPoll.flatMap((p) => p.used),
      excluded: w === undefined ? [] : w.perPoll.flatMap((p) => p.excluded),
      votes: w === undefined ? [] : w.perPoll.map((p, k) => ({ poll: k, votes: p.votes, median: p.median === undefined ? null : formatDecimal(p.median), price: p.price === undefined ? null : p.price.toString() })),
      reference: w?.reference === undefined ? null : formatFixed(w.reference, 18),
      decisions: w === undefined ? [] : w.perPoll.flatMap((p) => p.decisions),
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
    referenceTime: previous?.timestamp ?? null,
    decisions,
    successions,
  };
  if (reason !== undefined || value === undefined) return { ok: false, reason: reason as NoFixingReason, report };

  const bases: Record<string, { model: string; price: bigint }> = { ...(previous?.bases ?? {}) };
  const rolls: Record<string, { identity: string; from: number }> = {};
  def.slots.forEach((slot, i) => {
    const w = windows[i];
    if (w?.price !== undefined) {
      bases[slot.id] = { model: w.identity, price: w.price };
      prices[w.identity] = w.price;
    }
    const roll = (plans[i] as SlotPlan).roll;
    if (roll !== undefined) rolls[slot.id] = roll;
  });
  const chainState: ChainState = { timestamp: at, level: value, bases, prices, listed, rolls };
  const fixing = { indexId, timestamp: at, value, methodologyVersion: def.methodologyVersion, inputsHash: hash };
  return { ok: true, fixing, report, chainState };
}
