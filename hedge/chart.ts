/**
 * Draws the hedge backtest over the bundled history as a dependency-free SVG: docs/img/hedge.svg. Top: the monthly
 * cost of 10 billion tokens a month, unhedged and hedged, for the OpenAI flagship slot and the ATPI basket (12-month
 * plan entered at the end of February 2025). Bottom: the variance reduction of every slot and the basket.
 * Usage: npm run hedge:chart. Numbers become JS numbers only here, to place points; the backtest itself is exact.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { formatDecimal } from "../sdk/units.js";
import { type Backtest, backtest } from "./calc.js";
import { BASKET, bundledMonthlyHistory, modelPath } from "./history.js";

const OUT = "docs/img/hedge.svg";
const TERMS = { tokensPerMonth: 10_000_000_000n, contractSize: 1_000_000_000n, initialMarginBps: 1_000 };
const MONTHS = 12;

const h = await bundledMonthlyHistory();
const runs: [string, Backtest][] = [...h.def.slots.map((s) => s.id), BASKET].map((id) => [id, backtest(TERMS, modelPath(h, id, MONTHS))]);
const flagship = runs.find(([id]) => id === "openai-flagship")?.[1] as Backtest;
const basket = runs.find(([id]) => id === BASKET)?.[1] as Backtest;

const W = 900;
const L = 80;
const R = 200;
const usd = (v: bigint) => Number(formatDecimal(v, 6));
const parts: string[] = [];
const text = (x: number, y: number, s: string, extra = "") => parts.push(`<text x="${x}" y="${y}" font-size="12"${extra}>${s}</text>`);

// Top panel: monthly cost lines.
const T0 = 40;
const T1 = 300;
const months = flagship.months.map((m) => m.month);
const x = (i: number) => L + (i / (months.length - 1)) * (W - L - R);
const series: [string, string, string, number[]][] = [
  ["openai-flagship unhedged", "#d62728", "6 3", flagship.months.map((m) => usd(m.unhedged))],
  ["openai-flagship hedged", "#d62728", "", flagship.months.map((m) => usd(m.hedged))],
  ["basket unhedged", "#1f77b4", "6 3", basket.months.map((m) => usd(m.unhedged))],
  ["basket hedged", "#1f77b4", "", basket.months.map((m) => usd(m.hedged))],
];
const hi = Math.ceil(Math.max(...series.flatMap((s) => s[3])) / 10_000) * 10_000;
const y = (v: number) => T1 - (v / hi) * (T1 - T0);
text(L, 24, `Monthly cost of 10 billion tokens, USDC (12-month plan entered ${flagship.entry.month}, hedged with ATPI futures at the index)`, ' font-weight="bold"');
for (let v = 0; v <= hi; v += 10_000) {
  parts.push(`<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#eee"/>`);
  text(L - 8, y(v) + 4, v.toLocaleString("en-US"), ' text-anchor="end"');
}
months.forEach((m, i) => text(x(i), T1 + 16, m, ' text-anchor="middle" font-size="10"'));
series.forEach(([name, color, dash, values], k) => {
  const d = values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
  parts.push(`<line x1="${W - R + 15}" y1="${T0 + 10 + k * 18}" x2="${W - R + 40}" y2="${T0 + 10 + k * 18}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
  text(W - R + 45, T0 + 14 + k * 18, name, ' font-size="11"');
});

// Bottom panel: variance reduction bars, clamped to [-100 %, 100 %].
const B0 = 370;
const B1 = 560;
const zero = (B0 + B1) / 2;
const bar = (W - L - R) / runs.length;
text(L, B0 - 16, "Variance reduction of the monthly cost (1 - hedged variance / unhedged variance); the paper's simulated range shaded", ' font-weight="bold"');
const yr = (r: number) => zero - (Math.max(-1, Math.min(1, r)) * (B1 - B0)) / 2;
parts.push(`<rect x="${L}" y="${yr(0.78)}" width="${W - L - R}" height="${yr(0.62) - yr(0.78)}" fill="#2ca02c" opacity="0.15"/>`);
text(W - R + 5, yr(0.7) + 4, "paper: 62-78 %", ' font-size="11" fill="#2ca02c"');
for (const r of [-1, -0.5, 0, 0.5, 1]) {
  parts.push(`<line x1="${L}" y1="${yr(r)}" x2="${W - R}" y2="${yr(r)}" stroke="${r === 0 ? "#999" : "#eee"}"/>`);
  text(L - 8, yr(r) + 4, `${r * 100} %`, ' text-anchor="end"');
}
runs.forEach(([id, b], i) => {
  const v = b.varianceReduction === null ? 0 : Number(b.varianceReduction);
  const top = Math.min(yr(v), zero);
  parts.push(`<rect x="${L + i * bar + 6}" y="${top}" width="${bar - 12}" height="${Math.abs(yr(v) - zero)}" fill="${id === BASKET ? "#1f77b4" : v >= 0 ? "#555" : "#d62728"}"/>`);
  const label = b.varianceReduction === null ? "n/a" : `${(v * 100).toFixed(v < -1 ? 0 : 1)} %`;
  text(L + i * bar + bar / 2, v >= 0 ? top - 4 : yr(v) + 14, label, ' text-anchor="middle" font-size="10"');
  text(L + i * bar + bar / 2, B1 + 16, id, ' text-anchor="middle" font-size="10"');
});

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${B1 + 30}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join("")}</svg>\n`;
await mkdir("docs/img", { recursive: true });
await writeFile(OUT, svg);
console.log(`wrote ${OUT}`);
