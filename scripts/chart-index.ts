/**
 * Draws ATPI over the bundled history (tier price and the chain-linked variant) and the per-slot prices,
 * as a dependency-free SVG: docs/img/atpi.svg. Usage: npx tsx scripts/chart-index.ts
 * Numbers are converted to JS numbers only here, for drawing; the fixings themselves are exact.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { loadIndexDefinition } from "../keeper/indexConfig.js";
import { computeSeries } from "../keeper/methodology/chainState.js";
import { formatFixed } from "../keeper/methodology/decimal.js";
import { withMethodologyVersion } from "../keeper/methodology/definition.js";
import { loadHistory } from "../keeper/sources/replay.js";

const OUT = "docs/img/atpi.svg";
const COLORS = ["#1f77b4", "#aec7e8", "#d62728", "#ff9896", "#2ca02c", "#98df8a", "#9467bd", "#8c564b"];

const def = await loadIndexDefinition("ATPI");
const history = await loadHistory();
const steps = history.snapshots.map((s) => ({ at: s.time, polls: [{ time: s.time, quotes: s.quotes }] }));
const tier = computeSeries(def, steps);
// the chain-linked variant is a v1 option (v2 computes tier prices only)
const chain = computeSeries({ ...withMethodologyVersion(def, 1), linking: "chain" }, steps);

const toNum = (v: string | null) => (v === null ? undefined : Number(formatFixed(BigInt(v), 18)));
const times = history.snapshots.map((s) => s.time);
const tierValues = tier.map((r) => toNum(r.report.value));
const chainValues = chain.map((r) => toNum(r.report.value));
const slotSeries = def.slots.map((slot, i) => ({
  id: slot.id,
  weight: slot.weight,
  color: COLORS[i % COLORS.length] as string,
  values: tier.map((r) => toNum(r.report.slots[i]?.price ?? null)),
  models: tier.map((r) => r.report.slots[i]?.model ?? ""),
}));

const W = 960;
const L = 70;
const R = 250;
const plotW = W - L - R;
const t0 = times[0] as number;
const t1 = times[times.length - 1] as number;
const x = (t: number) => L + ((t - t0) / (t1 - t0)) * plotW;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const parts: string[] = [];

function path(values: (number | undefined)[], y: (v: number) => number, color: string, dash = "", width = 2): string {
  let d = "";
  values.forEach((v, i) => {
    if (v === undefined) return;
    d += `${d === "" ? "M" : "L"}${x(times[i] as number).toFixed(1)},${y(v).toFixed(1)} `;
  });
  return `<path d="${d.trim()}" fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
}

function monthTicks(top: number, bottom: number): void {
  const d = new Date(t0 * 1000);
  for (let m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)); m.getTime() / 1000 <= t1; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
    const px = x(m.getTime() / 1000);
    parts.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${bottom}" stroke="#eee"/>`);
    if (m.getUTCMonth() % 2 === 0) parts.push(`<text x="${px}" y="${bottom + 14}" font-size="11" text-anchor="middle">${m.toISOString().slice(0, 7)}</text>`);
  }
}

// Panel 1: the index (linear scale)
const p1Top = 50;
const p1Bottom = 290;
const all = [...tierValues, ...chainValues].filter((v): v is number => v !== undefined);
const lo = Math.floor(Math.min(...all) * 2) / 2 - 0.5;
const hi = Math.ceil(Math.max(...all) * 2) / 2 + 0.5;
const y1 = (v: number) => p1Bottom - ((v - lo) / (hi - lo)) * (p1Bottom - p1Top);
parts.push(`<text x="${L}" y="30" font-size="16" font-weight="bold">ATPI, USD per 1M tokens (blend 3 input : 1 output), weekly fixings on the bundled LiteLLM history</text>`);
monthTicks(p1Top, p1Bottom);
for (let v = Math.ceil(lo * 2) / 2; v <= hi; v += 0.5) {
  parts.push(`<line x1="${L}" y1="${y1(v)}" x2="${L + plotW}" y2="${y1(v)}" stroke="#ddd"/>`);
  parts.push(`<text x="${L - 6}" y="${y1(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(1)}</text>`);
}
parts.push(path(tierValues, y1, "#000", "", 2.5));
parts.push(path(chainValues, y1, "#e377c2", "6 4", 2));
parts.push(`<rect x="${L}" y="${p1Top}" width="${plotW}" height="${p1Bottom - p1Top}" fill="none" stroke="#999"/>`);
const lastTier = tierValues[tierValues.length - 1];
const lastChain = chainValues[chainValues.length - 1];
parts.push(`<line x1="${L + plotW + 15}" y1="70" x2="${L + plotW + 45}" y2="70" stroke="#000" stroke-width="2.5"/><text x="${L + plotW + 50}" y="74" font-size="12">ATPI v${def.methodologyVersion} (tier price): ${lastTier}</text>`);
parts.push(`<line x1="${L + plotW + 15}" y1="92" x2="${L + plotW + 45}" y2="92" stroke="#e377c2" stroke-width="2" stroke-dasharray="6 4"/><text x="${L + plotW + 50}" y="96" font-size="12">chain-linked variant (v1): ${lastChain?.toFixed(4)}</text>`);
parts.push(`<text x="${L + plotW + 15}" y="118" font-size="11" fill="#555">first ${tierValues[0]} on 2025-02-08</text>`);

// Panel 2: slot prices (log scale)
const p2Top = 340;
const p2Bottom = 640;
const slotAll = slotSeries.flatMap((s) => s.values).filter((v): v is number => v !== undefined);
const lmin = Math.log10(Math.min(...slotAll)) - 0.1;
const lmax = Math.log10(Math.max(...slotAll)) + 0.1;
const y2 = (v: number) => p2Bottom - ((Math.log10(v) - lmin) / (lmax - lmin)) * (p2Bottom - p2Top);
parts.push(`<text x="${L}" y="${p2Top - 12}" font-size="14" font-weight="bold">Slot prices (active model of each slot: v2, median of company votes within the reference band), log scale</text>`);
monthTicks(p2Top, p2Bottom);
for (const v of [0.1, 0.2, 0.5, 1, 2, 5, 10]) {
  if (Math.log10(v) < lmin || Math.log10(v) > lmax) continue;
  parts.push(`<line x1="${L}" y1="${y2(v)}" x2="${L + plotW}" y2="${y2(v)}" stroke="#ddd"/>`);
  parts.push(`<text x="${L - 6}" y="${y2(v) + 4}" font-size="11" text-anchor="end">${v}</text>`);
}
slotSeries.forEach((s, i) => {
  parts.push(path(s.values, y2, s.color, "", 2));
  // mark succession switches
  s.models.forEach((m, j) => {
    const v = s.values[j];
    if (j > 0 && m !== s.models[j - 1] && v !== undefined) {
      parts.push(`<circle cx="${x(times[j] as number).toFixed(1)}" cy="${y2(v).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(`${s.id}: ${m}`)}</title></circle>`);
    }
  });
  const ly = p2Top + 10 + i * 34;
  const last = s.values[s.values.length - 1];
  parts.push(`<line x1="${L + plotW + 15}" y1="${ly}" x2="${L + plotW + 45}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
  parts.push(`<text x="${L + plotW + 50}" y="${ly + 4}" font-size="12">${esc(s.id)} (w ${s.weight})</text>`);
  parts.push(`<text x="${L + plotW + 50}" y="${ly + 18}" font-size="10" fill="#555">${esc(s.models[s.models.length - 1] ?? "")}: ${last}</text>`);
});
parts.push(`<rect x="${L}" y="${p2Top}" width="${plotW}" height="${p2Bottom - p2Top}" fill="none" stroke="#999"/>`);
parts.push(`<text x="${L}" y="${p2Bottom + 34}" font-size="10" fill="#555">Dots: a succession step (new model in the slot). Source: LiteLLM model_prices_and_context_window.json (MIT), weekly snapshots 2025-02-08 .. 2026-03-29. Generated by scripts/chart-index.ts.</text>`);

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="690" viewBox="0 0 ${W} 690" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${parts.join("\n")}
</svg>
`;
await mkdir("docs/img", { recursive: true });
await writeFile(OUT, svg);
console.log(`wrote ${OUT}: ${times.length} fixings, ATPI ${tierValues[0]} -> ${lastTier} (chain-linked ${chainValues[0]} -> ${lastChain})`);
