/**
 * Strip listing (scripts/lib/strip.ts, `npm run list-strip`) and the forward curve (sdk/curve.ts): the expiry
 * calendar, the strip file's validation and the offline listing rules, listing on a chain (idempotent), and the
 * curve's bid/ask/mid/last trade/open interest after trades.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { forwardCurve } from "../../sdk/curve.js";
import { deploymentToJson, parseDeployment } from "../../sdk/deployment.js";
import { deposit } from "../../sdk/funds.js";
import { getSeries } from "../../sdk/series.js";
import { fillOrder, placeOrder } from "../../sdk/trade.js";
import { startAnvil } from "../../scripts/lib/anvil.js";
import { setupLocalMarket } from "../../scripts/lib/localMarket.js";
import { parseSeriesOverrides } from "../../scripts/lib/seriesParams.js";
import { StripError, listStrip, parseStrip, readStrip, stripExpiries, stripSeries } from "../../scripts/lib/strip.js";
import { USDC, WAD, deployFixture } from "../sdk/fixture.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const at = (iso: string) => BigInt(Date.parse(iso) / 1000);
const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString().slice(0, 16);
const SPEC = { index: "ATPI", monthly: 3, quarterly: 2, expiryHourUtc: 0, minDaysToExpiry: 7 };

describe("strip: expiry calendar", () => {
  it("lists monthly firsts from the next month at least minDaysToExpiry away, then quarter starts", () => {
    expect(stripExpiries(SPEC, at("2026-12-01T23:57:00Z")).map(iso)).to.deep.equal([
      "2027-01-01T00:00",
      "2027-02-01T00:00",
      "2027-03-01T00:00",
      "2027-04-01T00:00",
      "2027-07-01T00:00",
    ]);
  });

  it("skips an expiry exactly minDaysToExpiry away and crosses the year; quarterly only", () => {
    expect(stripExpiries({ ...SPEC, monthly: 2, quarterly: 1 }, at("2026-12-25T00:00:00Z")).map(iso)).to.deep.equal([
      "2027-02-01T00:00",
      "2027-03-01T00:00",
      "2027-04-01T00:00",
    ]);
    expect(stripExpiries({ ...SPEC, monthly: 0, quarterly: 2, expiryHourUtc: 8 }, at("2025-02-24T00:00:00Z")).map(iso)).to.deep.equal([
      "2025-04-01T08:00",
      "2025-07-01T08:00",
    ]);
  });
});

describe("strip: file validation", () => {
  it("accepts the bundled config/strips/atpi.json", () => {
    const spec = readStrip(join(ROOT, "config", "strips", "atpi.json"));
    expect(spec.index).to.equal("ATPI");
    expect(stripSeries(spec, at("2026-12-01T00:00:00Z"))).to.have.length(spec.monthly + spec.quarterly);
  });

  const bad: [string, unknown, RegExp][] = [
    ["an unknown key", { ...SPEC, weekly: 2 }, /weekly/],
    ["a missing field", { index: "ATPI", monthly: 3, quarterly: 0, expiryHourUtc: 0 }, /minDaysToExpiry/],
    ["a negative count", { ...SPEC, monthly: -1 }, /monthly/],
    ["an empty strip", { ...SPEC, monthly: 0, quarterly: 0 }, /at least one expiry/],
    ["a lower-case index", { ...SPEC, index: "atpi" }, /index/],
    ["an hour out of range", { ...SPEC, expiryHourUtc: 24 }, /expiryHourUtc/],
    ["an unknown series parameter", { ...SPEC, params: { expiry: 1 } }, /params/],
    ["a fractional bps", { ...SPEC, params: { initialMarginBps: 10.5 } }, /params\.initialMarginBps/],
    ["a non-integer contract size", { ...SPEC, params: { contractSize: "1e9" } }, /params\.contractSize/],
  ];
  for (const [what, value, message] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => parseStrip(value, "s.json")).to.throw(StripError, message);
    });
  }

  it("takes the series overrides the deploy settings take (integers as numbers or digit strings), one schema for both", () => {
    const spec = parseStrip({ ...SPEC, params: { contractSize: "2000000000", minSize: "2", takerFeeBps: 4, maxFixingAge: "259200" } });
    expect(spec.params).to.deep.equal({ contractSize: 2_000_000_000n, minSize: 2n, takerFeeBps: 4, maxFixingAge: 259_200 });
    expect(parseSeriesOverrides({ expiry: "4070908800", initialMarginBps: "1500" }, "p.json")).to.deep.equal({ expiry: 4_070_908_800n, initialMarginBps: 1_500 });
    expect(() => parseSeriesOverrides({ initialMarginBps: 10_001, tick: 1 }, "p.json")).to.throw(
      /^invalid series parameters p\.json:\n {2}initialMarginBps: must be <= 10000, got 10001\n {2}tick: unknown key \(expected one of: contractSize, tickSize, minSize, /,
    );
  });

  it("refuses the whole strip when its parameters break a listing rule (rules 4, 6, 11), before sending anything", () => {
    const now = at("2026-12-01T00:00:00Z");
    const rule = (params: object) => () => stripSeries(parseStrip({ ...SPEC, params }), now);
    expect(rule({ liquidationPenaltyBps: 500 })).to.throw(StripError, /listing rule 6/);
    expect(rule({ priceLimitBps: 500 })).to.throw(StripError, /listing rule 11/);
    expect(rule({ tickSize: "1" })).to.throw(StripError, /listing rule 4/);
  });
});

describe("strip: listing and the forward curve (in-process chain)", function () {
  this.timeout(120_000);

  it("lists every expiry once (a second run lists nothing), and the curve reads bid, ask, mid, last trade and open interest", async () => {
    const f = await deployFixture();
    const now = BigInt(await f.networkHelpers.time.latest());
    const spec = parseStrip(SPEC);
    const first = await listStrip({ publicClient: f.publicClient, wallet: f.owner }, f.deployment.market, spec, now);
    expect(first.series.map((s) => s.listedNow)).to.deep.equal([true, true, true, true, true]);
    const again = await listStrip({ publicClient: f.publicClient, wallet: f.owner }, f.deployment.market, spec, now);
    expect(again.series.map((s) => s.listedNow)).to.deep.equal([false, false, false, false, false]);

    const [alice, bob] = [await f.connect(f.alice), await f.connect(f.bob)];
    await deposit(alice, 20_000n * USDC);
    await deposit(bob, 20_000n * USDC);
    const feb = await getSeries(alice, first.series[1]!.id);
    const p = (milli: bigint) => (milli * WAD) / 1000n;
    await placeOrder(alice, { series: feb, side: "buy", size: 5n, price: p(3_480n) });
    const ask = await placeOrder(bob, { series: feb, side: "sell", size: 4n, price: p(3_530n) });
    await placeOrder(bob, { series: feb, side: "sell", size: 2n, price: p(3_520n) });
    await fillOrder(alice, feb, ask, 3n);

    const curve = await forwardCurve(alice);
    const expiries = [f.params.expiry, ...first.series.map((s) => s.params.expiry)].sort((a, b) => (a < b ? -1 : 1));
    expect(curve.map((c) => c.expiry), "ascending expiry").to.deep.equal(expiries);
    const point = curve.find((c) => c.seriesId === feb.id)!;
    expect(point.bestBid).to.equal(p(3_480n));
    expect(point.bestAsk).to.equal(p(3_520n));
    expect(point.mid).to.equal(p(3_500n));
    expect(point.lastTrade?.price).to.equal(p(3_530n));
    expect(point.openInterest).to.equal(3n);
    const other = curve.find((c) => c.seriesId === first.series[0]!.id)!;
    expect([other.bestBid, other.bestAsk, other.mid, other.lastTrade, other.openInterest]).to.deep.equal([undefined, undefined, undefined, undefined, 0n]);
  });
});

describe("strip: npm run list-strip (child process, anvil)", function () {
  this.timeout(120_000);

  it("lists the strip file on a deployment and records the series in the deployment file", async () => {
    const anvil = await startAnvil();
    try {
      const market = await setupLocalMarket({ url: anvil.url, traders: 1, firstFixing: { value: 35n * 10n ** 17n } });
      const dir = mkdtempSync(join(tmpdir(), "strip-"));
      const file = join(dir, "deployment.json");
      writeFileSync(file, deploymentToJson(market.deployment));
      const env = { ...process.env, RPC_URL: anvil.url, DEPLOYER_PRIVATE_KEY: market.deployer.privateKey };
      const tsx = (script: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
          execFile(join(ROOT, "node_modules", ".bin", "tsx"), script, { cwd: ROOT, env }, (err, stdout, stderr) =>
            done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      const run = () =>
        tsx([join(ROOT, "scripts", "list-series.ts"), "--strip", join(ROOT, "config", "strips", "atpi.json"), "--deployment", file, "--env", join(dir, "none.env")]);
      const r = await run();
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/strip of 5 series, 5 listed now/);
      const after = parseDeployment(readFileSync(file, "utf8"));
      expect(after.series).to.have.length(6);
      const twice = await run();
      expect(twice.stdout).to.match(/strip of 5 series, 0 listed now/);
      expect(parseDeployment(readFileSync(file, "utf8")).series).to.have.length(6);
      const curve = await tsx([join(ROOT, "trader", "cli.ts"), "curve", "--rpc", anvil.url, "--deployment", file, "--json"]);
      expect(curve.code, curve.stderr).to.equal(0);
      const points = (JSON.parse(curve.stdout) as { curve: { seriesId: string; openInterest: string }[] }).curve;
      expect(points.map((p) => p.seriesId).sort()).to.deep.equal(after.series.map((s) => s.id).sort());
      expect(points.every((p) => p.openInterest === "0")).to.equal(true);
    } finally {
      await anvil.stop();
    }
  });
});
