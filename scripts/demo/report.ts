/**
 * The demo's outputs: `out/summary.json` (machine-readable, amounts as integer strings) and `out/report.html`
 * (a self-contained page: the index path with fixings, trades and liquidations, then the tables).
 * Numbers become JS numbers only to place points on the chart; every figure printed is exact.
 */
import { formatUnits } from "viem";

export interface FixingPoint {
  timestamp: number;
  value: bigint;
  poster: string;
}

export interface TradeRecord {
  seriesId: string;
  timestamp: number;
  kind: "fill" | "match";
  buyer: string;
  seller: string;
  size: bigint;
  price: bigint;
  fees: bigint;
  txHash: string;
}

export interface LiquidationRecord {
  timestamp: number;
  account: string;
  liquidator: string;
  size: bigint;
  mark: bigint;
  reward: bigint;
  deficit: bigint;
  txHash: string;
}

export interface AccountResult {
  name: string;
  address: string;
  deposited: bigint;
  withdrawn: bigint;
}

/** One series' money: what its logs moved in and out, next to what its state holds. */
export interface SeriesBook {
  seriesId: string;
  expiry: number;
  settled: boolean;
  /** The series' `collateral` (state). */
  collateral: bigint;
  /** Units moved in minus units moved out, summed from the series' logs. */
  netInflows: bigint;
  insurance: bigint;
  fees: bigint;
}

/** The forward curve on one day: the index and per expiry the market maker's mid (null: not quoted on both sides). */
export interface CurveSnapshot {
  timestamp: number;
  index: bigint;
  points: { expiry: number; mid: bigint | null }[];
}

export interface DemoResult {
  chainId: number;
  seriesLabel: string;
  expiry: number;
  fixings: FixingPoint[];
  trades: TradeRecord[];
  liquidations: LiquidationRecord[];
  settlementPrice: bigint | null;
  accounts: AccountResult[];
  /** Display names of other addresses (operators). */
  labels: { name: string; address: string }[];
  insuranceBalance: bigint;
  protocolFees: bigint;
  /** Collateral units left in the series' margin pool after every claim (share rounding favours the protocol). */
  marginPoolResidue: bigint;
  /** Collateral still held by the market at the end: what every series holds plus free balances left. */
  marketBalance: bigint;
  books: SeriesBook[];
  /** Free balances still in the market (everyone withdraws: 0). */
  freeLeft: bigint;
  curveHistory: CurveSnapshot[];
}

/** The summary the issue specifies, plus per-account detail. Amounts in collateral base units. */
export function summarize(r: DemoResult) {
  const totalDeposits = r.accounts.reduce((a, x) => a + x.deposited, 0n);
  const totalPayouts = r.accounts.reduce((a, x) => a + x.withdrawn, 0n);
  const held = r.books.reduce((a, b) => a + b.collateral, 0n);
  const curve: Record<string, string> = {};
  for (const snap of r.curveHistory) for (const p of snap.points) if (p.mid !== null) curve[day(p.expiry)] = p.mid.toString();
  return {
    series: r.books.length,
    curve,
    fixings: r.fixings.length,
    trades: r.trades.length,
    liquidations: r.liquidations.length,
    settled: r.settlementPrice !== null,
    settlementPrice: (r.settlementPrice ?? 0n).toString(),
    totalDeposits: totalDeposits.toString(),
    totalPayouts: totalPayouts.toString(),
    insuranceBalance: r.insuranceBalance.toString(),
    protocolFees: r.protocolFees.toString(),
    marginPoolResidue: r.marginPoolResidue.toString(),
    marketBalance: r.marketBalance.toString(),
    // Per series: what its logs moved in minus out is what it holds. Overall: every unit deposited is paid out or
    // held by a series (or left free), and the market holds exactly that. The settled series holds only its sinks.
    seriesBooks: r.books.map((b) => ({
      expiry: day(b.expiry),
      settled: b.settled,
      collateral: b.collateral.toString(),
      netInflows: b.netInflows.toString(),
      conserved: b.collateral === b.netInflows,
    })),
    heldBySeries: held.toString(),
    conservation:
      r.books.every((b) => b.collateral === b.netInflows) &&
      totalDeposits === totalPayouts + held + r.freeLeft &&
      r.marketBalance === held + r.freeLeft,
    accounts: r.accounts.map((a) => ({
      name: a.name,
      address: a.address,
      deposited: a.deposited.toString(),
      withdrawn: a.withdrawn.toString(),
      pnl: (a.withdrawn - a.deposited).toString(),
    })),
  };
}

const usd = (units: bigint) => formatUnits(units, 6);
const px = (wad: bigint) => formatUnits(wad, 18);
const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** SVG of the index path: fixings as a line, trades as triangles, liquidations as red crosses, expiry and final price. */
function chart(r: DemoResult): string {
  const W = 900, H = 320, L = 60, R = 20, T = 20, B = 40;
  const pts = r.fixings;
  if (pts.length === 0) return "<p>No fixings were posted.</p>";
  const times = [...pts.map((p) => p.timestamp), r.expiry];
  const values = [...pts.map((p) => Number(formatUnits(p.value, 18))), ...r.trades.map((t) => Number(formatUnits(t.price, 18)))];
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const lo = Math.min(...values) * 0.95, hi = Math.max(...values) * 1.05;
  const x = (t: number) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v: number) => H - B - ((v - lo) / (hi - lo)) * (H - T - B);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  const months = new Set<string>();
  for (const t of times) months.add(day(t).slice(0, 7));
  for (const m of months) {
    const t = Date.parse(`${m}-01T00:00:00Z`) / 1000;
    if (t < t0 || t > t1) continue;
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${T}" y2="${H - B}" stroke="#f3f3f3"/>`);
    parts.push(`<text x="${x(t)}" y="${H - B + 16}" font-size="11" text-anchor="middle">${m}</text>`);
  }
  const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.timestamp).toFixed(1)},${y(Number(formatUnits(p.value, 18))).toFixed(1)}`).join(" ");
  parts.push(`<path d="${d}" fill="none" stroke="#1f4e9c" stroke-width="2"/>`);
  for (const p of pts) parts.push(`<circle cx="${x(p.timestamp).toFixed(1)}" cy="${y(Number(formatUnits(p.value, 18))).toFixed(1)}" r="2.2" fill="#1f4e9c"><title>${day(p.timestamp)}: ${px(p.value)}</title></circle>`);
  for (const t of r.trades) {
    const cx = x(t.timestamp), cy = y(Number(formatUnits(t.price, 18)));
    parts.push(`<path d="M${cx - 5},${cy + 4} L${cx + 5},${cy + 4} L${cx},${cy - 5} Z" fill="#2a9d4b"><title>${t.kind} ${t.size} @ ${px(t.price)}</title></path>`);
  }
  for (const l of r.liquidations) {
    const cx = x(l.timestamp), cy = y(Number(formatUnits(l.mark, 18)));
    parts.push(`<path d="M${cx - 6},${cy - 6} L${cx + 6},${cy + 6} M${cx - 6},${cy + 6} L${cx + 6},${cy - 6}" stroke="#d62728" stroke-width="3"><title>liquidation of ${l.account} at ${px(l.mark)}</title></path>`);
  }
  parts.push(`<line x1="${x(r.expiry)}" x2="${x(r.expiry)}" y1="${T}" y2="${H - B}" stroke="#888" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${x(r.expiry) - 4}" y="${T + 12}" font-size="11" text-anchor="end">expiry</text>`);
  if (r.settlementPrice !== null) {
    const sy = y(Number(formatUnits(r.settlementPrice, 18)));
    parts.push(`<line x1="${x(r.expiry) - 60}" x2="${W - R}" y1="${sy}" y2="${sy}" stroke="#e08a00" stroke-width="2"/>`);
    parts.push(`<text x="${W - R}" y="${sy - 6}" font-size="11" text-anchor="end" fill="#e08a00">final ${px(r.settlementPrice)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

/** SVG of the forward curve over time: the index and, per expiry, the market maker's mid each day. */
function curveChart(r: DemoResult): string {
  const W = 900, H = 300, L = 60, R = 150, T = 20, B = 40;
  const snaps = r.curveHistory;
  if (snaps.length === 0) return "<p>No curve was recorded.</p>";
  const expiries = [...new Set(snaps.flatMap((s) => s.points.map((p) => p.expiry)))].sort((a, b) => a - b);
  const num = (v: bigint) => Number(formatUnits(v, 18));
  const values = snaps.flatMap((s) => [num(s.index), ...s.points.flatMap((p) => (p.mid === null ? [] : [num(p.mid)]))]);
  const t0 = snaps[0]!.timestamp, t1 = snaps[snaps.length - 1]!.timestamp;
  const lo = Math.min(...values) * 0.97, hi = Math.max(...values) * 1.03;
  const x = (t: number) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v: number) => H - B - ((v - lo) / (hi - lo)) * (H - T - B);
  const colors = ["#d62728", "#2a9d4b", "#9467bd", "#8c564b", "#e377c2"];
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  const line = (pts: [number, number][], color: string, dash = "") => {
    const d = pts.map(([t, v], i) => `${i ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
  };
  parts.push(line(snaps.map((s) => [s.timestamp, num(s.index)]), "#1f4e9c", "5 3"));
  parts.push(`<text x="${W - R + 8}" y="${T + 12}" font-size="11" fill="#1f4e9c">index</text>`);
  expiries.forEach((e, i) => {
    const color = colors[i % colors.length] as string;
    const pts = snaps.flatMap((s) => s.points.filter((p) => p.expiry === e && p.mid !== null).map((p): [number, number] => [s.timestamp, num(p.mid as bigint)]));
    if (pts.length > 0) parts.push(line(pts, color));
    parts.push(`<text x="${W - R + 8}" y="${T + 28 + i * 16}" font-size="11" fill="${color}">mid, expiry ${day(e)}</text>`);
  });
  for (const m of new Set(snaps.map((s) => day(s.timestamp).slice(0, 7)))) {
    const t = Date.parse(`${m}-01T00:00:00Z`) / 1000;
    if (t >= t0 && t <= t1) parts.push(`<text x="${x(t)}" y="${H - B + 16}" font-size="11" text-anchor="middle">${m}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${h}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

export function renderReport(r: DemoResult): string {
  const s = summarize(r);
  const name = new Map([...r.accounts, ...r.labels].map((a) => [a.address.toLowerCase(), a.name]));
  const who = (a: string) => esc(name.get(a.toLowerCase()) ?? short(a));
  const card = (label: string, value: string) => `<div class="card"><div class="v">${value}</div><div class="l">${label}</div></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tokenfutures demo: ${esc(r.seriesLabel)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:960px;color:#222}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px}
.sub{color:#666;margin-top:0}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:120px}
.card .v{font-size:20px;font-weight:600} .card .l{font-size:12px;color:#666}
table{border-collapse:collapse;width:100%;font-size:13px} th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left} .ok{color:#2a9d4b;font-weight:600} .bad{color:#d62728;font-weight:600}
.legend{font-size:12px;color:#555}
</style></head><body>
<h1>${esc(r.seriesLabel)}: a whole futures series on the AI Token Price Index</h1>
<p class="sub">Local chain ${r.chainId}; index fixings computed by four keepers from the bundled LiteLLM price history and posted with a quorum of 3 of 4 (fault tolerance 1; moves beyond 10 % confirmed by the next round).</p>
<div class="cards">
${card("fixings posted", String(s.fixings))}${card("trades", String(s.trades))}${card("liquidations", String(s.liquidations))}
${card("final settlement price (USD / 1M tokens)", r.settlementPrice === null ? "not settled" : px(r.settlementPrice))}
${card("deposits (USDC)", usd(BigInt(s.totalDeposits)))}${card("payouts (USDC)", usd(BigInt(s.totalPayouts)))}
</div>
<h2>Index path</h2>
${chart(r)}
<p class="legend">Blue: ATPI fixings (USD per 1M tokens, blend 3 input : 1 output). Green triangles: trades at their price. Red crosses: liquidations at the index. Orange: final settlement price.</p>
<h2>Forward curve</h2>
${curveChart(r)}
<p class="legend">The reference market maker's mid per expiry each day (quotes 1 % wide around the index, clamped into each series' band around its mark), beside the index (dashed). ${s.series} series listed.</p>
<h2>Money in, money out</h2>
${table(["account", "deposited", "withdrawn", "profit / loss"], r.accounts.map((a) => [esc(a.name), usd(a.deposited), usd(a.withdrawn), usd(a.withdrawn - a.deposited)]))}
<p>Per series, what its logs moved in minus out is what it holds: ${s.seriesBooks.map((b) => `${b.expiry} ${usd(BigInt(b.collateral))} ${b.conserved ? "=" : "≠"} ${usd(BigInt(b.netInflows))}${b.settled ? " (settled)" : " (open)"}`).join("; ")}.
Deposits ${usd(BigInt(s.totalDeposits))} = payouts ${usd(BigInt(s.totalPayouts))} + held by the series ${usd(BigInt(s.heldBySeries))} (the market holds ${usd(r.marketBalance)}):
<span class="${s.conservation ? "ok" : "bad"}">${s.conservation ? "conserved to the unit" : "NOT conserved"}</span>.</p>
<p>Of the settled first series: insurance fund ${usd(r.insuranceBalance)} + protocol fees ${usd(r.protocolFees)} + its rounding residue (equities round down) ${usd(r.marginPoolResidue)}.</p>
<h2>Trades</h2>
${table(["date", "expiry", "kind", "buyer", "seller", "contracts", "price", "fees (USDC)"], r.trades.map((t) => [day(t.timestamp), day(r.books.find((x) => x.seriesId.toLowerCase() === t.seriesId.toLowerCase())?.expiry ?? 0), t.kind, who(t.buyer), who(t.seller), t.size.toString(), px(t.price), usd(t.fees)]))}
<h2>Liquidations</h2>
${r.liquidations.length === 0 ? "<p>None.</p>" : table(["date", "account", "liquidator", "contracts", "index", "reward (USDC)", "deficit (USDC)"], r.liquidations.map((l) => [day(l.timestamp), who(l.account), who(l.liquidator), l.size.toString(), px(l.mark), usd(l.reward), usd(l.deficit)]))}
<h2>Fixings</h2>
${table(["date", "value (USD / 1M tokens)", "posted by"], r.fixings.map((f) => [day(f.timestamp), px(f.value), who(f.poster)]))}
</body></html>
`;
}
