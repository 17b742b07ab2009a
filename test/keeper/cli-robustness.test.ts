import { expect } from "chai";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";

const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");

function keeper(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSX_CLI, "keeper/cli.ts", ...args], { env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

const RAW = "data/llm-prices/litellm_prices_2025-07-10.json.gz";
const BASE = ["robustness", "--index", "ATPI", "--source", "litellm-json", "--input", RAW, "--at", "2025-07-10T12:00:00Z"];

interface Worst {
  movePct: string;
  target: string | null;
  corruption: string | null;
  attempts: number;
}

/** K07 through the CLI: the 2025-07-10 snapshot, whose OpenAI flagship slot has two quotes. */
describe("keeper CLI: robustness (K07)", function () {
  this.timeout(180_000);
  let v2: Record<string, unknown>;
  let v1: Record<string, unknown>;
  let table: string;
  before(async () => {
    const [a, b, c] = await Promise.all([keeper([...BASE, "--json"]), keeper([...BASE, "--methodology-version", "1", "--json"]), keeper(BASE)]);
    for (const r of [a, b, c]) expect(r.code, r.stderr).to.equal(0);
    v2 = JSON.parse(a.stdout) as Record<string, unknown>;
    v1 = JSON.parse(b.stdout) as Record<string, unknown>;
    table = c.stdout;
  });

  it("prints the worst single-quote, single-provider and single-company moves with the listing that causes them", () => {
    expect(v2).to.include({ index: "ATPI", methodologyVersion: 2, value: "2719625000000000000", reference: "state of 2025-07-05T17:06:29.000Z" });
    expect(v2["corruptions"]).to.deep.equal(["x1000", "x0.001", "extreme-high", "extreme-low"]);
    for (const k of ["worstQuote", "worstProvider", "worstCompany"] as const) {
      const w = v2[k] as Worst;
      expect(w.target, k).to.be.a("string");
      expect(w.attempts, k).to.be.greaterThan(40);
      expect(Number(w.movePct), k).to.be.at.most(5);
      expect(v2[`${k}MovePct`]).to.equal(w.movePct);
    }
    expect(v2["wholeSource"]).to.deep.equal({ x1000: { value: null, reason: "SOURCE_SCALE_SUSPECT" }, "x0.001": { value: null, reason: "SOURCE_SCALE_SUSPECT" } });
  });

  it("under v1 the same search finds the unbounded moves of the issue (one OpenAI flagship quote, a whole file x1000)", () => {
    const quote = v1["worstQuote"] as Worst;
    expect(Number(quote.movePct)).to.be.greaterThan(25_000);
    expect(quote.target).to.match(/gpt-4\.1$/);
    expect((v1["wholeSource"] as { x1000: { value: string | null } }).x1000.value).to.equal("2719625000000000000000");
  });

  it("prints a table without --json, and rejects bad arguments with the usage", async () => {
    expect(table).to.match(/^ATPI at 2025-07-10T12:00:00.000Z \[methodology v2\], honest value 2719625000000000000/);
    expect(table).to.match(/worst company\s+[0-9.]+ %/);
    expect(table).to.include("whole source x1000: refused (SOURCE_SCALE_SUSPECT)");
    const bad = await keeper(["robustness", "--index", "ATPI", "--source", "litellm-json", "--input", RAW]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--at is required/);
    expect(bad.stderr).to.include("usage: npm run keeper -- robustness");
  });
});
