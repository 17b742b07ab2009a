/**
 * `npm run hedge -- --model <identity|slot|basket> --tokens-per-month <N> --months <M> [--from YYYY-MM] [--json]`
 * `npm run hedge -- --basket --tokens-per-month <N> --months <M> [--from YYYY-MM] [--json]`
 * Which ATPI series and how many contracts hedge a monthly token spend, the margin they need, and the backtest of
 * the plan over the bundled price history (docs/hedging.md). Series parameters come from the strip file
 * (--strip, default config/strips/atpi.json); the live plan prices at the newest bundled month end and lists the
 * next M monthly expiries after --now (default: the clock). Exit codes: 0 done, 2 bad command line or unknown model.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { seriesId } from "../sdk/orders.js";
import { formatDecimal } from "../sdk/units.js";
import { readStrip, stripSeries } from "../scripts/lib/strip.js";
import { type HedgeTerms, backtest, hedgeContracts, marginNeeded } from "./calc.js";
import { BASKET, HistoryError, type MonthlyHistory, bundledMonthlyHistory, modelKind, modelPath } from "./history.js";

const ROOT = resolve(import.meta.dirname, "..");

export const ASSUMPTIONS = [
  "entry: no futures prices exist for the past, so each backtest hedge is bought at the index of the entry month's end (a flat curve at the index); the live plan is priced the same way at the newest bundled month end",
  "each plan month pays its tokens at the model's price in force at the month's end (the last weekly snapshot), when that month's series expires and pays the index move since entry; within-month timing is not modelled",
  "contracts per series: the value-matched ratio N x p0 / (I0 x contractSize), rounded half up to whole contracts",
  "prices are LiteLLM list prices (3 input : 1 output blend), not negotiated or paid prices; fees, margin interest and the price limit are left out (a month whose index moves more than the limit in one fixing settles early at the limit price, paying less than the full move)",
  "statistics: population standard deviation over the plan months; variance reduction = 1 - hedged variance / unhedged variance",
];

class UsageError extends Error {
  override readonly name = "UsageError";
}

const usdc = (v: bigint) => formatDecimal(v, 6);
const price = (v: bigint) => formatDecimal(v, 18);
const pct = (v: string | null) => (v === null ? "n/a" : `${(Number(v) * 100).toFixed(1)} %`); // display only

interface Options {
  tokens: bigint;
  months: number;
  from: string | undefined;
  terms: HedgeTerms;
  series: { id: Hex; expiry: bigint }[];
}

/** One model's plan (live) and backtest. */
function modelRun(h: MonthlyHistory, model: string, o: Options) {
  const kind = modelKind(h.def, model);
  const path = modelPath(h, model, o.months, o.from);
  const b = backtest(o.terms, path);
  const live = modelPath(h, model, 0, h.months.at(-1)?.month)[0];
  if (!live) throw new HistoryError("the history is empty");
  const contracts = hedgeContracts(o.terms, live.modelPrice, live.index);
  return {
    model,
    kind,
    tokensPerMonth: o.tokens,
    months: o.months,
    contracts,
    totalContracts: contracts * BigInt(o.months),
    marginNeeded: marginNeeded(o.terms, contracts, live.index, o.months),
    series: o.series.map((s) => ({ ...s, contracts })),
    entry: { month: live.month, index: live.index, modelPrice: live.modelPrice },
    unhedgedStd: b.unhedgedStd,
    hedgedStd: b.hedgedStd,
    varianceReduction: b.varianceReduction,
    backtest: { ...b, planMonths: b.months.length },
  };
}

function text(run: ReturnType<typeof modelRun>): string[] {
  const b = run.backtest;
  const lines = [
    `${run.model} (${run.kind === "slot" ? "ATPI slot: follows its successions" : run.kind === "basket" ? "every ATPI slot by weight" : "model identity: its own price"}), ${run.tokensPerMonth} tokens a month for ${run.months} months`,
    `hedge now: buy ${run.contracts} contracts in each of ${run.series.length} monthly series (${run.totalContracts} in all) at ATPI ${price(run.entry.index)} (${run.entry.month}; model ${price(run.entry.modelPrice)} USD/1M tokens); initial margin ${usdc(run.marginNeeded)} USDC`,
    ...run.series.map((s) => `  series ${s.id} expiring ${new Date(Number(s.expiry) * 1000).toISOString().slice(0, 10)}: ${s.contracts} contracts`),
    `backtest: entry ${b.entry.month} at ATPI ${price(b.entry.index)}, ${b.contracts} contracts a month over ${b.planMonths} months (margin ${usdc(b.marginNeeded)} USDC)`,
    "  month     model price   ATPI          basis         unhedged USDC   futures USDC    hedged USDC",
    ...b.months.map(
      (m) =>
        `  ${m.month}   ${price(m.modelPrice).padEnd(13)} ${price(m.index).padEnd(13)} ${price(m.basis).padEnd(13)} ${usdc(m.unhedged).padStart(14)} ${usdc(m.payoff).padStart(14)} ${usdc(m.hedged).padStart(14)}`,
    ),
    `  std of the monthly cost: unhedged ${usdc(b.unhedgedStd)} USDC, hedged ${usdc(b.hedgedStd)} USDC; variance reduction ${b.varianceReduction ?? "n/a (the unhedged cost never moved)"}`,
    `  peak mark-to-market loss of the open hedges at one month end: ${usdc(b.peakVariationLoss)} USDC (to hold beyond the initial margin)`,
    `  worst month (highest hedged cost): ${b.worstMonth.month}, ${usdc(b.worstMonth.hedged)} USDC (unhedged ${usdc(b.worstMonth.unhedged)}, basis ${price(b.worstMonth.basis)})`,
  ];
  return lines;
}

/** Every slot of the index with the full plan, and the basket (the plan spread over the slots by weight). */
function basketRun(h: MonthlyHistory, o: Options) {
  return { tokensPerMonth: o.tokens, months: o.months, slots: h.def.slots.map((s) => modelRun(h, s.id, o)), basket: modelRun(h, BASKET, o) };
}

export async function main(argv: readonly string[]): Promise<{ json: unknown; text: string[] }> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        model: { type: "string" },
        basket: { type: "boolean", default: false },
        "tokens-per-month": { type: "string" },
        months: { type: "string" },
        from: { type: "string" },
        strip: { type: "string", default: join(ROOT, "config", "strips", "atpi.json") },
        now: { type: "string" },
        json: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!values.model === !values.basket) throw new UsageError("give either --model <identity|slot> or --basket");
  const tokensText = values["tokens-per-month"] ?? "";
  if (!/^[1-9]\d*$/.test(tokensText)) throw new UsageError(`--tokens-per-month must be a positive whole number, got ${JSON.stringify(tokensText)}`);
  const monthsText = values.months ?? "";
  if (!/^[1-9]\d?$/.test(monthsText)) throw new UsageError(`--months must be 1..99, got ${JSON.stringify(monthsText)}`);
  if (values.from !== undefined && !/^\d{4}-\d{2}$/.test(values.from)) throw new UsageError(`--from must be YYYY-MM, got ${JSON.stringify(values.from)}`);
  if (values.now !== undefined && !/^\d+$/.test(values.now)) throw new UsageError(`--now must be unix seconds, got ${JSON.stringify(values.now)}`);
  const months = Number(monthsText);
  const strip = readStrip(values.strip);
  const now = values.now !== undefined ? BigInt(values.now) : BigInt(Math.floor(Date.now() / 1000));
  const params = stripSeries({ ...strip, monthly: months, quarterly: 0 }, now);
  const first = params[0] as (typeof params)[0];
  const o: Options = {
    tokens: BigInt(tokensText),
    months,
    from: values.from,
    terms: { tokensPerMonth: BigInt(tokensText), contractSize: first.contractSize, initialMarginBps: first.initialMarginBps },
    series: params.map((p) => ({ id: seriesId(p), expiry: p.expiry })),
  };
  const h = await bundledMonthlyHistory();
  const json = (v: unknown) => ({ ...(v as object), assumptions: ASSUMPTIONS });
  if (values.model) {
    const run = modelRun(h, values.model, o);
    return { json: json(run), text: [...text(run), "", "assumptions:", ...ASSUMPTIONS.map((a) => `  - ${a}`)] };
  }
  const r = basketRun(h, o);
  const b = r.basket;
  const lines = [
    `ATPI slots and basket, ${o.tokens} tokens a month, ${months}-month plan from ${h.months[0]?.month === undefined ? "?" : (o.from ?? h.months[0].month)}`,
    "  slot              contracts  unhedged std USDC  hedged std USDC  variance reduction",
    ...r.slots.map((s) => `  ${s.model.padEnd(17)} ${String(s.backtest.contracts).padStart(9)}  ${usdc(s.unhedgedStd).padStart(17)}  ${usdc(s.hedgedStd).padStart(15)}  ${pct(s.varianceReduction)}`),
    `  ${"basket (weights)".padEnd(17)} ${String(b.backtest.contracts).padStart(9)}  ${usdc(b.unhedgedStd).padStart(17)}  ${usdc(b.hedgedStd).padStart(15)}  ${pct(b.varianceReduction)}`,
    "",
    "assumptions:",
    ...ASSUMPTIONS.map((a) => `  - ${a}`),
  ];
  return { json: json(r), text: lines };
}

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2);

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then(
    (out) => console.log(process.argv.includes("--json") ? toJson(out.json) : out.text.join("\n")),
    (e: unknown) => {
      const usage = e instanceof UsageError || e instanceof HistoryError;
      console.error(`hedge: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(usage ? 2 : 1);
    },
  );
}
