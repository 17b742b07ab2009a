import type { FixingReport } from "../methodology/types.js";

interface SourceSummary {
  kind: string;
  origin: string;
  quotes: number;
  skipped: number;
  rejected: readonly { entry: string; reason: string }[];
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ").trimEnd());
}

/** The human-readable form of a fixing report (the CLI without --json). */
export function renderFixingTable(report: FixingReport, source: SourceSummary): string {
  const when = new Date(report.timestamp * 1000).toISOString();
  const v2 = report.methodologyVersion >= 2;
  const lines = [
    `${report.index} (${report.unit}) at ${when} [methodology v${report.methodologyVersion}, ${report.linking}]`,
    `source ${source.kind}: ${source.origin} (${source.quotes} quotes, ${source.skipped} skipped, ${source.rejected.length} rejected)`,
    "",
    ...table([
      ["slot", "weight", "model", "price", "quotes", "excluded", ...(v2 ? ["votes", "reference"] : [])],
      ...report.slots.map((s) => [
        s.id,
        s.weight,
        s.model ?? "-",
        s.priceDecimal ?? "unpriced",
        String(s.quotes.length),
        String(s.excluded.length),
        ...(v2 ? [String(s.votes?.at(-1)?.votes.length ?? 0), s.reference ?? "-"] : []),
      ]),
    ]),
    "",
    report.valueDecimal === null
      ? `NO FIXING: ${report.noFixingReason?.message ?? "unknown reason"}`
      : `value ${report.valueDecimal} (${report.value} at 18 decimals), priced weight ${report.pricedWeight}/${report.totalWeight}`,
    `inputsHash ${report.inputsHash}`,
  ];
  const excluded = report.slots.flatMap((s) => s.excluded.map((e) => `  ${s.id}: ${e.provider} ${e.model}: ${e.reason}`));
  if (excluded.length > 0) lines.push("", "excluded quotes:", ...excluded);
  const decisions = [...(report.decisions ?? []), ...report.slots.flatMap((s) => (s.decisions ?? []).map((d) => `${s.id}: ${d}`))];
  if (v2) {
    const ref = report.referenceTime === null || report.referenceTime === undefined ? "none (first fixing: no bounded-influence reference)" : new Date(report.referenceTime * 1000).toISOString();
    lines.push("", `reference state: ${ref}`);
  }
  if (decisions.length > 0) lines.push("", "rule decisions:", ...decisions.map((d) => `  ${d}`));
  const notices = (report.successions ?? []).map((n) => `  ${n.slot}: ${n.identity} (${n.companies} companies): ${n.decision}`);
  if (notices.length > 0) lines.push("", "succession candidates:", ...notices);
  return lines.join("\n");
}
