/** The trader CLI as a child process against one anvil with a local market (scripts/lib). */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { encryptKey } from "../../sdk/keys.js";
import { deploymentToJson } from "../../sdk/deployment.js";
import { type Anvil, startAnvil } from "../../scripts/lib/anvil.js";
import { type LocalMarket, setupLocalMarket } from "../../scripts/lib/localMarket.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(TSX, [join(ROOT, "trader", "cli.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const json = <T>(r: Run): T => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

describe("trader CLI (child process, anvil)", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let market: LocalMarket;
  let common: string[];
  let keys: Record<string, string>;

  before(async () => {
    anvil = await startAnvil();
    market = await setupLocalMarket({ url: anvil.url, traders: 4, firstFixing: { value: 35n * 10n ** 17n } });
    const dir = mkdtempSync(join(tmpdir(), "trader-cli-"));
    const file = join(dir, "deployment.json");
    writeFileSync(file, deploymentToJson(market.deployment));
    common = ["--rpc", anvil.url, "--deployment", file];
    const [a, b, c, d] = market.traders as [LocalMarket["traders"][0], LocalMarket["traders"][0], LocalMarket["traders"][0], LocalMarket["traders"][0]];
    keys = { KEY_A: a.privateKey, KEY_B: b.privateKey, KEY_C: c.privateKey, KEY_D: d.privateKey };
  });
  after(async () => {
    await anvil?.stop();
  });

  const as = (who: "A" | "B" | "C" | "D") => ["--private-key-env", `KEY_${who}`];

  it("deposits, publishes an order, reads the book, fills it and shows both positions", async () => {
    const [series, depA, depB] = await Promise.all([
      cli(["series", ...common, "--json"]),
      cli(["deposit", "--amount", "5000", ...common, ...as("A"), "--json"], keys),
      cli(["deposit", "--amount", "5000.5", ...common, ...as("B")], keys),
    ]);
    expect(json<{ series: { id: string }[] }>(series).series.map((s) => s.id)).to.deep.equal([market.deployment.series[0]!.id]);
    expect(json<{ free: string }>(depA).free).to.equal("5000000000");
    expect(depB.stdout).to.contain("deposited 5,000.5 USDC; free balance 5,000.5 USDC");

    const placed = json<{ orderHash: string; order: { nonce: string } }>(
      await cli(["order", "--side", "buy", "--size", "4", "--price", "3.51", ...common, ...as("A"), "--json"], keys),
    );
    const viaMarket = ["--rpc", anvil.url, "--market", market.deployment.market, "--from-block", "0", "--log-range", "3", "--json"];
    const [bookRun, marketRun, badBlock] = await Promise.all([
      cli(["book", ...common, "--json"]),
      cli(["book", ...viaMarket]),
      cli(["book", "--rpc", anvil.url, "--market", market.deployment.market, "--from-block", "x"]),
    ]);
    const book = json<{ bids: { hash: string; remaining: string }[]; asks: unknown[] }>(bookRun);
    expect(book.bids.map((e) => [e.hash, e.remaining])).to.deep.equal([[placed.orderHash, "4"]]);
    expect(json(marketRun), "--market with bounded log scans reads the same book").to.deep.equal(book);
    expect(badBlock.code).to.equal(2);

    const fill = json<{ size: string; price: string }>(await cli(["fill", "--order", placed.orderHash, "--size", "3", ...common, ...as("B"), "--json"], keys));
    expect([fill.size, fill.price]).to.deep.equal(["3", "3510000000000000000"]);

    const [posA, posB] = await Promise.all([
      cli(["positions", ...common, ...as("A"), "--json"], keys),
      cli(["health", "--account", market.traders[1]!.account.address, ...common]),
    ]);
    const a = json<{ positions: { seriesId: string; position: { size: string; healthy: boolean; unrealizedPnl: string } }[] }>(posA);
    expect(a.positions.map((p) => p.seriesId)).to.deep.equal([market.deployment.series[0]!.id]);
    const [pa] = a.positions;
    expect(pa!.position.size).to.equal("3");
    expect(pa!.position.healthy).to.equal(true);
    expect(pa!.position.unrealizedPnl).to.equal("-30000000"); // 3 x (3.50 - 3.51) x 1,000 USDC
    expect(posB.stdout).to.match(/position +entry +mark +unrealized PnL/);
    expect(posB.stdout).to.match(/short 3 +3\.51 +3\.5 +30 USDC/); // the short gains what the long loses
    expect(posB.stdout).to.contain("healthy");
  });

  it("refuses bad input before anything is sent, with a typed error and exit code", async () => {
    const [offTick, unknownSeries, badAmount, noMargin, noKey, badCommand, unknownOrder] = await Promise.all([
      cli(["order", "--side", "sell", "--size", "1", "--price", "3.5005", ...common, ...as("A")], keys),
      cli(["book", "--series", `0x${"ab".repeat(32)}`, ...common, "--json"]),
      cli(["deposit", "--amount", "12.3.4", ...common, ...as("A")], keys),
      cli(["order", "--side", "sell", "--size", "1000", "--price", "3.5", ...common, ...as("C")], keys),
      cli(["deposit", "--amount", "1", ...common]),
      cli(["frobnicate", ...common]),
      cli(["fill", "--order", `0x${"00".repeat(32)}`, ...common, ...as("C")], keys),
    ]);
    expect([offTick.code, offTick.stderr]).to.deep.equal([1, offTick.stderr]);
    expect(offTick.stderr).to.contain("error [OFF_TICK]: price 3.5005 is not a positive multiple of the tick 0.001");
    expect(unknownSeries.code).to.equal(1);
    expect(JSON.parse(unknownSeries.stderr)).to.include({ error: "UNKNOWN_SERIES" });
    expect(badAmount.code).to.equal(2);
    expect(badAmount.stderr).to.contain("--amount");
    // C has deposited nothing: an order of 1,000 contracts is refused before it is signed.
    expect(noMargin.code).to.equal(1);
    expect(noMargin.stderr).to.match(/error \[INSUFFICIENT_MARGIN\]: .* needs [\d,.]+ USDC of free balance .* has 0 USDC/);
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr).to.contain("--keystore");
    expect(badCommand.code).to.equal(2);
    expect(unknownOrder.code).to.equal(1);
    expect(unknownOrder.stderr).to.contain("ORDER_DEAD");
  });

  it("every pre-check and bad input of a trader: negative numbers, keys never echoed, --amount all, dead nonce, fee, expiry; book columns", async () => {
    const key = keys.KEY_D!;
    const bare = key.slice(2);
    const [negSize, negAmount, keyAsEnv, keyFlag, keyPositional, keyAsOrder, badSeries] = await Promise.all([
      cli(["order", "--side", "buy", "--size", "-3", "--price", "3.5", ...common, ...as("D")], keys),
      cli(["deposit", "--amount", "-5", ...common, ...as("D")], keys),
      cli(["positions", "--private-key-env", key, ...common]),
      cli(["positions", `--private-key=${key}`, ...common]),
      cli(["positions", key, ...common, ...as("D")], keys),
      cli(["cancel", "--order", bare, ...common, ...as("D")], keys),
      cli(["book", "--series", "5", ...common]),
    ]);
    expect([negSize.code, negSize.stderr]).to.deep.equal([2, negSize.stderr]);
    expect(negSize.stderr).to.contain("--size must be a positive whole number of contracts, got -3");
    expect(negAmount.code).to.equal(2);
    expect(negAmount.stderr).to.contain("--amount must not be negative, got -5");
    for (const r of [keyAsEnv, keyFlag, keyPositional, keyAsOrder]) {
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr.toLowerCase() + r.stdout.toLowerCase(), "the key is never shown").to.not.contain(bare.toLowerCase());
    }
    expect(keyAsEnv.stderr).to.contain("NAME of the environment variable");
    expect(keyFlag.stderr).to.contain("--private-key-env");
    expect(badSeries.code).to.equal(1);
    expect(badSeries.stderr).to.contain("numbered from 0");

    const dep = json<{ amount: string; free: string; wallet: string }>(await cli(["deposit", "--amount", "all", ...common, ...as("D"), "--json"], keys));
    expect([dep.amount, dep.free, dep.wallet]).to.deep.equal(["100000000000", "100000000000", "0"]);
    const order = (...extra: string[]) => cli(["order", "--side", "buy", "--size", "1", "--price", "3.5", ...extra, ...common, ...as("D")], keys);
    const expiry = market.deployment.series[0]!.params.expiry;
    const [lowFee, late] = await Promise.all([order("--max-fee-bps", "1"), order("--expiry", String(expiry + 1n))]);
    expect(lowFee.code).to.equal(1);
    expect(lowFee.stderr).to.contain("error [FEE_ABOVE_MAX]: max fee 1 bps is below the series' maker fee of 2 bps");
    expect(late.code).to.equal(1);
    expect(late.stderr).to.match(/error \[EXPIRY_AFTER_SERIES\]: order expiry \d{4}-\d\d-\d\dT[\d:]+Z is after the series' last trade time/);
    const placed = json<{ order: { nonce: string } }>(await order("--json"));
    expect(placed.order.nonce).to.equal("0");
    json(await cli(["cancel-all", ...common, ...as("D"), "--json"], keys));
    const dead = await order("--nonce", "0");
    expect(dead.code).to.equal(1);
    expect(dead.stderr).to.contain("error [ORDER_DEAD]: nonce 0 is below the maker's minimum nonce 1");

    const [bid, ask] = await Promise.all([order("--price", "3.49"), cli(["order", "--side", "sell", "--size", "2", "--price", "3.53", ...common, ...as("C")], keys)]);
    expect(bid.code, bid.stderr).to.equal(0);
    expect(ask.code, "C has no margin: refused").to.equal(1);
    const book = await cli(["book", ...common]);
    expect(book.stdout).to.match(/index 3\.5 at \d{4}-/);
    expect(book.stdout).to.match(/best bid 3\.51, best ask -, spread -, mid -\n/); // A's 1 left of 4 @ 3.51 is the best
    expect(book.stdout).to.match(/side +price +left +size +expires +maker +order/);
    expect(book.stdout).to.match(/bid +3\.49 +1 +1 /);
    json(await cli(["cancel-all", ...common, ...as("D"), "--json"], keys));
    const wd = json<{ amount: string; free: string }>(await cli(["withdraw", "--amount", "all", ...common, ...as("D"), "--json"], keys));
    expect([wd.amount, wd.free]).to.deep.equal(["100000000000", "0"]);
    const none = await cli(["withdraw", "--amount", "all", ...common, ...as("D")], keys);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.contain("nothing to move");
  });

  it("fill without margin is refused (INSUFFICIENT_MARGIN); cancel-all empties the book", async () => {
    const sell = json<{ orderHash: string }>(await cli(["order", "--side", "sell", "--size", "1", "--price", "3.5", ...common, ...as("B"), "--json"], keys));
    const refused = await cli(["fill", "--order", sell.orderHash, ...common, ...as("C")], keys);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain("INSUFFICIENT_MARGIN");
    const [cancelA, cancelB] = await Promise.all([
      cli(["cancel-all", ...common, ...as("A"), "--json"], keys),
      cli(["cancel-all", ...common, ...as("B"), "--json"], keys),
    ]);
    expect(json<{ minNonce: string }>(cancelA).minNonce).to.equal("1");
    expect(json<{ minNonce: string }>(cancelB).minNonce).to.equal("1");
    const after = json<{ bids: unknown[]; asks: unknown[] }>(await cli(["book", ...common, "--json"]));
    expect(after.bids.length + after.asks.length).to.equal(0);
  });

  it("match, margin add/remove, withdraw; claim before settlement is refused", async () => {
    const [buy, sell] = await Promise.all([
      cli(["order", "--side", "buy", "--size", "2", "--price", "3.52", ...common, ...as("A"), "--json"], keys),
      cli(["order", "--side", "sell", "--size", "2", "--price", "3.48", ...common, ...as("B"), "--json"], keys),
    ]);
    const b = json<{ orderHash: string }>(buy);
    const s = json<{ orderHash: string }>(sell);
    const m = json<{ size: string; price: string }>(
      await cli(["match", "--buy", b.orderHash, "--sell", s.orderHash, ...common, ...as("C"), "--json"], keys),
    );
    expect([m.size, m.price]).to.deep.equal(["2", "3500000000000000000"]); // the index, inside both limits
    const [add, claim, wd] = await Promise.all([
      cli(["margin", "add", "--amount", "100", ...common, ...as("A")], keys),
      cli(["claim", ...common, ...as("A"), "--json"], keys),
      cli(["withdraw", "--amount", "10", ...common, ...as("B"), "--json"], keys),
    ]);
    expect(add.code, add.stderr).to.equal(0);
    expect(add.stdout).to.contain("added 100 USDC of margin");
    expect(claim.code).to.equal(1);
    expect(JSON.parse(claim.stderr)).to.include({ error: "NOT_SETTLED" });
    expect(wd.code, wd.stderr).to.equal(0);
    const [remove, tooMuch] = await Promise.all([
      cli(["margin", "remove", "--amount", "50", ...common, ...as("A")], keys),
      cli(["margin", "remove", "--amount", "1000000", ...common, ...as("B")], keys),
    ]);
    expect(remove.code, remove.stderr).to.equal(0);
    expect(tooMuch.code).to.equal(1);
    expect(tooMuch.stderr).to.contain("INSUFFICIENT_MARGIN");
  });

  it("signs with an encrypted keystore and a password file; a wrong password is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trader-ks-"));
    const ks = join(dir, "trader.json");
    writeFileSync(ks, await encryptKey(market.traders[2]!.privateKey, "correct horse", { scryptN: 1024 }));
    writeFileSync(join(dir, "pw"), "correct horse\n");
    writeFileSync(join(dir, "bad"), "wrong horse\n");
    const [ok, bad] = await Promise.all([
      cli(["positions", "--keystore", ks, "--password-file", join(dir, "pw"), ...common, "--json"]),
      cli(["positions", "--keystore", ks, "--password-file", join(dir, "bad"), ...common]),
    ]);
    expect(json<{ account: string }>(ok).account).to.equal(market.traders[2]!.account.address);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("wrong password");
    expect(bad.stderr).to.not.contain("correct horse");
  });
});
