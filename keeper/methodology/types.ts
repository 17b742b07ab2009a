/** Shared types of the index methodology engine (pure data, no I/O). */

/** One price observation as a source reports it: prices are decimal TEXT, exactly as in the source. */
export interface Quote {
  /** Provider as the source names it (LiteLLM `litellm_provider`, "openrouter", a CSV column). */
  readonly provider: string;
  /** Model key as the source names it (LiteLLM JSON key, OpenRouter `id`, a CSV column). */
  readonly model: string;
  /** Input (or single) price text; undefined when the source has none. */
  readonly input?: string | undefined;
  /** Output price text; undefined when the source has none. */
  readonly output?: string | undefined;
  /** Power of ten that converts the texts to the index unit (6: USD per token -> USD per 1M tokens). */
  readonly scale?: number | undefined;
}

/** All quotes a source returned at one poll time (unix seconds). */
export interface Poll {
  readonly time: number;
  readonly quotes: readonly Quote[];
}

/** One step of a slot's succession: from `from` (unix seconds) on, the slot follows `identity`. */
export interface SuccessionStep {
  readonly from: number;
  readonly fromText: string;
  readonly identity: string;
}

export interface SlotDefinition {
  readonly id: string;
  readonly name: string;
  /** Weight as exact decimal text, e.g. "20". */
  readonly weight: string;
  readonly succession: readonly SuccessionStep[];
  /** Methodology v2: the model family whose newer versions the succession rule may roll to. */
  readonly family?: readonly FamilyPattern[] | undefined;
}

/** v2: quotes of (provider, model key matching `pattern`) belong to the family version named by the `v` group. */
export interface FamilyPattern {
  readonly provider: string;
  readonly pattern: string;
}

/** v2 parameters of the bounded-influence and source checks (decimal texts). */
export interface RobustnessRules {
  /** Largest move of one slot's weighted contribution in one fixing, as a share of the reference level, e.g. "0.0125". */
  readonly slotBudget: string;
  /** Largest relative move of a slot price from its reference in one fixing, e.g. "0.5". */
  readonly moveLimit: string;
  /** A source whose weighted-median slot ratio to the reference is > factor or < 1/factor is refused, e.g. "10". */
  readonly sourceScaleFactor: string;
  /** The index value must lie in [min, max] (index unit), else no fixing. */
  readonly plausibleMin: string;
  readonly plausibleMax: string;
}

/** v2 succession rule: a newer family version enters at a monthly roll once listed widely enough for long enough. */
export interface SuccessionRule {
  readonly minCompanies: number;
  readonly minListedDays: number;
}

export type Linking = "tier" | "chain";

/** A validated index definition (see definition.ts for the JSON form and its checks). */
export interface IndexDefinition {
  readonly name: string;
  readonly methodologyVersion: number;
  readonly unit: string;
  readonly decimals: 18;
  /** Blend weights of the input and output price; a zero weight means that price is not used. */
  readonly blend: { readonly input: string; readonly output: string };
  readonly outlierFactor: string;
  readonly minPricedWeightShare: string;
  readonly minPricedPollShare: string;
  readonly linking: Linking;
  /** identity name -> exact (provider, model key) pairs. */
  readonly identities: Readonly<Record<string, readonly (readonly [string, string])[]>>;
  readonly slots: readonly SlotDefinition[];
  /** v2 (required from methodologyVersion 2): provider key -> owning company. */
  readonly companies?: Readonly<Record<string, string>> | undefined;
  readonly robustness?: RobustnessRules | undefined;
  readonly successionRule?: SuccessionRule | undefined;
}

/** A quote as the report shows it: prices in the index unit as canonical decimal text. */
export interface ReportQuote {
  readonly poll: number;
  readonly provider: string;
  readonly model: string;
  readonly input: string | null;
  readonly output: string | null;
  readonly blend: string | null;
}

export interface ExcludedQuote extends ReportQuote {
  readonly reason: string;
}

export interface SlotReport {
  readonly id: string;
  readonly name: string;
  readonly weight: string;
  /** Active identity name at the fixing time (null before the slot's first succession step). */
  readonly model: string | null;
  /** Slot price over the window, 18-decimal integer text, or null when unpriced. */
  readonly price: string | null;
  readonly priceDecimal: string | null;
  /** Per-poll slot prices (18-decimal integer text or null). */
  readonly pollPrices: readonly (string | null)[];
  readonly quotes: readonly ReportQuote[];
  readonly excluded: readonly ExcludedQuote[];
  /** Chain-linked variant only: the matched-model link of this slot. */
  readonly link?: ChainLinkReport | undefined;
  /** v2: the company votes of each poll and the rule decisions that set the price. */
  readonly votes?: readonly PollVotesReport[] | undefined;
  readonly reference?: string | null | undefined;
  readonly decisions?: readonly string[] | undefined;
}

/** v2: one company's vote in one poll. */
export interface CompanyVote {
  readonly company: string;
  readonly vote: string;
  readonly providers: readonly string[];
}

export interface PollVotesReport {
  readonly poll: number;
  readonly votes: readonly CompanyVote[];
  /** Median of the votes (canonical decimal text), or null without votes. */
  readonly median: string | null;
  /** The poll price after the thin-slot and move-limit rules, 18-decimal integer text. */
  readonly price: string | null;
}

/** v2: a succession candidate as the report announces it. */
export interface SuccessionNotice {
  readonly slot: string;
  readonly identity: string;
  readonly companies: number;
  /** Unix seconds since which the candidate has met minCompanies continuously (null: not met now). */
  readonly listedSince: number | null;
  /** The first roll at which it enters if it stays listed (null: not eligible). */
  readonly entersAt: number | null;
  readonly decision: string;
}

export interface ChainLinkReport {
  readonly baseModel: string;
  readonly basePrice: string;
  readonly currentPrice: string | null;
  /** currentPrice / basePrice as decimal text (truncated to 18 places), or null when not matched. */
  readonly relative: string | null;
}

export type NoFixingReason =
  | { readonly code: "NO_POLLS"; readonly message: string }
  | {
      readonly code: "INSUFFICIENT_PRICED_WEIGHT";
      readonly message: string;
      readonly pricedWeight: string;
      readonly totalWeight: string;
      readonly requiredShare: string;
    }
  | { readonly code: "ZERO_VALUE"; readonly message: string }
  | { readonly code: "POLL_AFTER_FIXING_TIME"; readonly message: string; readonly pollTime: number }
  | { readonly code: "SOURCE_SCALE_SUSPECT"; readonly message: string; readonly ratio: string; readonly factor: string }
  | { readonly code: "IMPLAUSIBLE_VALUE"; readonly message: string; readonly value: string; readonly min: string; readonly max: string };

export interface FixingReport {
  readonly index: string;
  readonly indexId: `0x${string}`;
  readonly methodologyVersion: number;
  readonly linking: Linking;
  readonly unit: string;
  readonly timestamp: number;
  readonly value: string | null;
  readonly valueDecimal: string | null;
  readonly inputsHash: `0x${string}`;
  readonly pricedWeight: string;
  readonly totalWeight: string;
  readonly polls: readonly number[];
  readonly slots: readonly SlotReport[];
  readonly noFixingReason?: NoFixingReason | undefined;
  /** v2: the reference state's time (the previous fixing), or null without one. */
  readonly referenceTime?: number | null | undefined;
  /** v2: index-level rule decisions (source scale check, plausibility, rolls). */
  readonly decisions?: readonly string[] | undefined;
  readonly successions?: readonly SuccessionNotice[] | undefined;
}

/** State carried from one chain-linked fixing to the next. */
export interface ChainState {
  readonly timestamp: number;
  /** Index level, 18-decimal integer. */
  readonly level: bigint;
  /** Per slot: the identity priced last time and its price (18-decimal integer). */
  readonly bases: Readonly<Record<string, { readonly model: string; readonly price: bigint }>>;
  /** v2: reference price of every identity priced at that fixing (active and succession candidates). */
  readonly prices?: Readonly<Record<string, bigint>> | undefined;
  /** v2: succession candidates meeting minCompanies, with the time since which they did so continuously. */
  readonly listed?: Readonly<Record<string, number>> | undefined;
  /** v2: succession rolls made by the rule, per slot. */
  readonly rolls?: Readonly<Record<string, { readonly identity: string; readonly from: number }>> | undefined;
}

export interface Fixing {
  readonly indexId: `0x${string}`;
  readonly timestamp: number;
  readonly value: bigint;
  readonly methodologyVersion: number;
  readonly inputsHash: `0x${string}`;
}

export type FixingResult =
  | { readonly ok: true; readonly fixing: Fixing; readonly report: FixingReport; readonly chainState?: ChainState }
  | { readonly ok: false; readonly reason: NoFixingReason; readonly report: FixingReport };
