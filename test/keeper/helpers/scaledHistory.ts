/**
 * A copy of the bundled price history with every price multiplied by 10^exponent (x1000: exponent 3; x0.001: -3),
 * for a replay source whose whole feed has a unit error (K07). Written to a fresh directory the replay source reads.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { BUNDLED_HISTORY_DIR } from "../../../keeper/sources/replay.js";

/** A plain decimal (digits, optional point) times 10^exponent, as exact decimal text. */
export function shiftDecimal(text: string, exponent: number): string {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new Error(`not a plain decimal: ${text}`);
  const [int, frac = ""] = text.split(".") as [string, string?];
  let digits = int + frac;
  let point = int.length + exponent;
  if (point <= 0) {
    digits = "0".repeat(1 - point) + digits;
    point = 1;
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=[0-9])/, "");
  const rest = digits.slice(point).replace(/0+$/, "");
  return rest ? `${whole}.${rest}` : whole;
}

/** Writes the scaled history and returns its directory (for `{ kind: "replay", input: dir }`). */
export function scaledHistoryDir(exponent: number): string {
  const dir = mkdtempSync(join(tmpdir(), `history-e${exponent}-`));
  const csv = gunzipSync(readFileSync(join(BUNDLED_HISTORY_DIR, "prices_weekly.csv.gz"))).toString("utf8");
  const [header, ...rows] = csv.split("\n");
  const cols = (header ?? "").split(",");
  const priced = ["input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok"].map((c) => cols.indexOf(c));
  const scaled = rows.map((row) => {
    if (row === "") return row;
    const f = row.split(",");
    for (const i of priced) if (i >= 0 && f[i]) f[i] = shiftDecimal(f[i] as string, exponent);
    return f.join(",");
  });
  writeFileSync(join(dir, "prices_weekly.csv.gz"), gzipSync([header, ...scaled].join("\n")));
  copyFileSync(join(BUNDLED_HISTORY_DIR, "snapshots.csv"), join(dir, "snapshots.csv"));
  return dir;
}
