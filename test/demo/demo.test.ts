/**
 * The `npm start` scenario end to end (anvil, four keeper processes, the market maker, traders through the SDK), run
 * as a child process exactly as a user runs it; then the summary it writes is checked: counts, the strip and its
 * curve, settlement of the first expiry and conservation per series and overall, recomputed here.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Journal } from "../../keeper/chain/journal.js";
import { indexIdFromName } from "../../sdk/oracle.js";

const MAIN = fileURLToPath(new URL("../../scripts/demo/main.ts", import.meta.url));

interface Summary {
  series: number;
  curve: Record<string, string>;
  seriesBooks: { expiry: string; settled: boolean; collateral: string; netInflows: string; conserved: boolean }[];
  heldBySeries: string;
  fixings: number;
  trades: number;
  liquidations: number;
  settled: boolean;
  settlementPrice: string;
  totalDeposits: string;
  totalPayouts: string;
  insuranceBalance: string;
  protocolFees: string;
  marginPoolResidue: string;
  marketBalance: string;
  conservation: boolean;
  accounts: { name: string; deposited: string; withdrawn: string; pnl: string }[];
}

describe("demo (npm start)", function () {
  this.timeout(600_000);
  let summary: Summary;
  let out: string;
  let stdout: string;

  before(() => {
    out = mkdtempSync(join(tmpdir(), "demo-"));
    const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, "--out", out], { encoding: "utf8", timeout: 540_000 });
    stdout = r.stdout;
    if (r.status !== 0) throw new Error(`demo exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
    summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
  });

  it("posts the daily fixings, trades by fill and match, liquidates one account, settles on the tick", () => {
    // One a day: the keepers' start-up catch-up on the fresh oracle (catchUpRounds 3: 2025-02-21 .. 02-23, all
    // posted before the demo's clock moves to 02-24), then 2025-02-24 .. 2025-04-07 (43). The series settles at
    // 04-07 01:02, after its settlement window and before the next round (the demo waits for every round a clock
    // jump makes due, so the count does not depend on timing).
    expect(summary.fixings).to.equal(46);
    // 4 between the traders, 2 forward-cover fills of the hedger, 19 fills of the speculator against the market maker.
    expect(summary.trades).to.equal(25);
    // alice (long ~5x) once, at the 2025-04-06 fixing. The expiry round's fixing (stamped 04-07 00:00) never becomes
    // the mark (fixings stamped at or after expiry are the settlement's), so nobody is liquidated after expiry: the
    // settlement resolves every account at the final price. Each day ends once nobody keeper-1 may liquidate is
    // below maintenance, so the count does not depend on the keeper's timing.
    expect(summary.liquidations).to.equal(1);
    expect(summary.settled).to.equal(true);
    // ATPI (methodology v2, each fixing bounded against the previous one's state) glides from 3.44 toward 2.815
    // after the March 2025 repricing (v1 drops 18 % in one fixing) and stands at 2.8503... on 2025-04-07, the
    // settlement window's round; the final price is rounded down to the 0.001 tick.
    expect(summary.settlementPrice).to.equal("2850000000000000000");
  });

  it("every operator signed every round with the same value: one index path, whichever keeper was up first", () => {
    const DAY = 86_400n;
    const atpi = indexIdFromName("ATPI");
    const journals = [1, 2, 3, 4].map((i) => new Journal(join(out, "demo", "keepers", `keeper-${i}`, "data", "journal.sqlite")));
    try {
      const rounds: string[] = [];
      for (let t = BigInt(Date.UTC(2025, 1, 21) / 1000); t <= BigInt(Date.UTC(2025, 3, 7) / 1000); t += DAY) {
        const values = journals.map((j) => j.observations(atpi, t).map((o) => o.value.toString()));
        expect(values, `round ${t}`).to.deep.equal(journals.map(() => [values[0]?.[0]]));
        rounds.push(String(t));
      }
      expect(rounds).to.have.length(summary.fixings);
    } finally {
      for (const j of journals) j.close();
    }
  });

  it("lists a strip of 3 expiries and reports the curve's last mid per expiry as an 18-decimal integer", () => {
    expect(summary.series).to.equal(3);
    expect(Object.keys(summary.curve)).to.deep.equal(["2025-04-07", "2025-05-01", "2025-06-01"]);
    for (const mid of Object.values(summary.curve)) {
      expect(mid).to.match(/^\d+$/);
      // Around the index of the last quoted day (ATPI 2.8 to 3.0 in early April 2025), on the 0.001 tick or its half.
      expect(BigInt(mid) > 2_500_000_000_000_000_000n && BigInt(mid) < 3_500_000_000_000_000_000n).to.equal(true);
    }
    expect(stdout).to.match(/the hedger buys forward cover/);
    expect(stdout).to.match(/the market maker quotes 6 orders/);
  });

  it("conserves every unit per series (logs in - out = what it holds) and overall (deposits = payouts + what the series hold)", () => {
    const sum = (k: "deposited" | "withdrawn") => summary.accounts.reduce((a, x) => a + BigInt(x[k]), 0n);
    expect(sum("deposited").toString()).to.equal(summary.totalDeposits);
    expect(sum("withdrawn").toString()).to.equal(summary.totalPayouts);
    expect(summary.seriesBooks.map((b) => b.settled)).to.deep.equal([true, false, false]);
    for (const b of summary.seriesBooks) expect(b.collateral, `series ${b.expiry}`).to.equal(b.netInflows);
    const held = summary.seriesBooks.reduce((a, b) => a + BigInt(b.collateral), 0n);
    expect(held.toString()).to.equal(summary.heldBySeries);
    expect(BigInt(summary.totalDeposits)).to.equal(BigInt(summary.totalPayouts) + held);
    expect(BigInt(summary.marketBalance)).to.equal(held);
    // The settled first series holds only its sinks once every claim is paid.
    const sinks = BigInt(summary.insuranceBalance) + BigInt(summary.protocolFees) + BigInt(summary.marginPoolResidue);
    expect(BigInt(summary.seriesBooks[0]!.collateral)).to.equal(sinks);
    expect(summary.conservation).to.equal(true);
    expect(BigInt(summary.protocolFees) > 0n).to.equal(true);
  });

  it("the liquidated trader lost, the short side won, and the report page exists", () => {
    const pnl = (n: string) => BigInt(summary.accounts.find((a) => a.name === n)?.pnl ?? "0");
    expect(pnl("alice") < 0n).to.equal(true);
    expect(pnl("carol") > 0n && pnl("dave") > 0n).to.equal(true);
    expect(existsSync(join(out, "report.html"))).to.equal(true);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).to.contain("conserved to the unit");
    expect(html).to.contain("<h2>Forward curve</h2>");
    expect(html).to.contain("mid, expiry 2025-06-01");
    expect(stdout).to.match(/liquidated alice/);
  });
});
