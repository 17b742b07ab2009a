/// <reference lib="dom" />
/**
 * The trader app in a real Chromium (Debian's /usr/bin/chromium through playwright-core), two test wallets
 * injected as EIP-6963 providers signing with dev chain keys, against anvil: connect, wrong network and switch,
 * deposit, sign and publish, a refused signature, fill from the second wallet, PnL after a fixing, cancel,
 * withdraw, settlement and claim; no console errors. Screenshots go to out/app/.
 *   npm run test:app
 */
import { expect } from "chai";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { connectMarket } from "../../sdk/client.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { getSeries, seriesStatus } from "../../sdk/series.js";
import { closeOut, settle } from "../../sdk/settlement.js";
import { type Anvil, startAnvil } from "../../scripts/lib/anvil.js";
import { postFixing } from "../../scripts/lib/fixing.js";
import { type LocalMarket, OPERATOR_ACCOUNTS_ARGS, localClients, setupLocalMarket } from "../../scripts/lib/localMarket.js";
import { type AppServer, serveApp } from "../server.js";
import { installTestWallet } from "./testWallet.js";

const OUT = resolve(import.meta.dirname, "..", "..", "out", "app");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe("trader app in Chromium (playwright-core, test wallets, anvil)", function () {
  this.timeout(300_000);
  let anvil: Anvil;
  let market: LocalMarket;
  let server: AppServer;
  let browser: Browser;
  const errors: string[] = [];
  const pages: Page[] = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    anvil = await startAnvil({ args: [...OPERATOR_ACCOUNTS_ARGS] });
    market = await setupLocalMarket({ url: anvil.url, traders: 2, expiresIn: 2n * 86_400n, firstFixing: { value: 35n * 10n ** 17n } });
    server = await serveApp({ rpcUrl: anvil.url, deployment: market.deployment, port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  });
  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const [i, page] of pages.entries()) await page.screenshot({ path: join(OUT, `failed-${i}.png`), fullPage: true }).catch(() => undefined);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await anvil?.stop();
  });

  async function open(trader: number, startChainId?: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await installTestWallet(context, { privateKey: market.traders[trader]!.privateKey, rpcUrl: anvil.url, chainId: anvil.chainId, startChainId });
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`[trader ${trader}] ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`[trader ${trader}] ${e.message}`));
    await page.goto(`${server.url}#/portfolio`);
    await page.getByTestId("connect-Test Wallet").click();
    await page.getByTestId("address").waitFor();
    pages.push(page);
    return { context, page };
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  /** Waits for the action's final state and returns its text. */
  async function outcome(page: Page, phase: "done" | "failed"): Promise<string> {
    const status = page.locator(`[data-testid="tx-status"][data-phase="${phase}"]`);
    await status.waitFor({ timeout: 60_000 });
    return (await status.textContent()) ?? "";
  }
  const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).first().textContent()) ?? "").trim();

  /** The page's elements wider inside than their box (scrollWidth > clientWidth), the document included. */
  const overflowing = (page: Page) =>
    page.evaluate(() => {
      const out: string[] = [];
      for (const el of [document.documentElement, ...Array.from(document.querySelectorAll(".app *"))]) {
        if (el.scrollWidth > el.clientWidth) out.push(`${el.tagName} ${el.getAttribute("data-testid") ?? el.className} ${el.scrollWidth} > ${el.clientWidth}`);
      }
      return out;
    });

  /** Table cells of an amount ("1,234.5 USDC") whose text takes more than one line: the unit wrapped off its number. */
  const wrappedAmounts = (page: Page) =>
    page.evaluate(() => {
      const out: string[] = [];
      for (const td of Array.from(document.querySelectorAll(".app td"))) {
        if (!/^-?[\d,.]+ USDC$/.test(td.textContent ?? "")) continue;
        const range = document.createRange();
        range.selectNodeContents(td);
        const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
        if (lines.size > 1) out.push(`${td.getAttribute("data-label")}: ${td.textContent} on ${lines.size} lines`);
      }
      return out;
    });

  let alice: Page;
  let bob: Page;

  it("connects a discovered wallet and deposits (approve, then deposit)", async () => {
    ({ page: alice } = await open(0));
    await alice.getByTestId("amount").fill("5000");
    await expect(await text(alice, "deposit")).to.equal("Approve, then deposit");
    await alice.getByTestId("deposit").click();
    expect(await outcome(alice, "done")).to.contain("deposited 5,000 USDC (approved first)");
    await alice.getByTestId("free-balance").filter({ hasText: "5,000 USDC" }).waitFor();
    await shot(alice, "1-deposit");
  });

  it("signs and publishes an order after every pre-check; a refused signature is reported and nothing is sent", async () => {
    await alice.goto(`${server.url}#/trade/0`);
    await alice.getByTestId("size").fill("2");
    await alice.getByTestId("price").fill("3.4999");
    await expect(await text(alice, "snapped")).to.equal("3.499");
    // Too big for 5,000 USDC: the ticket refuses before the wallet is asked.
    await alice.getByTestId("size").fill("200");
    await alice.locator('[data-testid="checks"] li[data-ok="false"]').filter({ hasText: "you need" }).waitFor();
    expect(await alice.getByTestId("publish").isDisabled()).to.equal(true);
    await alice.getByTestId("size").fill("2");
    await alice.locator('[data-testid="checks"] li[data-ok="false"]').waitFor({ state: "detached" });
    // Long 2 @ 3.499 (cost 6,998 USDC) keeps 698 USDC of margin (initial 700 at the mark 3.5 less the 2 USDC gain):
    // equity meets 5 % maintenance at (6,998 - 698) / (2 x 1,000 x 0.95) = 3.3157…, shown up to the 0.001 tick (a long).
    expect(await text(alice, "liq-after")).to.equal("3.316");
    await alice.evaluate(() => ((window as unknown as { __testWallet: { refuseNext: boolean } }).__testWallet.refuseNext = true));
    await alice.getByTestId("publish").click();
    expect(await outcome(alice, "failed")).to.contain("[REJECTED]");
    await shot(alice, "2-refused");
    await alice.getByTestId("publish").click();
    expect(await outcome(alice, "done")).to.contain("published buy 2 @ 3.499");
    await alice.getByTestId("ladder").getByTestId("bid").first().waitFor();
    await shot(alice, "3-published");
  });

  it("a second wallet on the wrong network is told so, switches, deposits and fills from the ladder", async () => {
    ({ page: bob } = await open(1, 1));
    await bob.getByTestId("wrong-network").waitFor();
    await shot(bob, "4-wrong-network");
    await bob.getByTestId("switch-network").click();
    await bob.getByTestId("wrong-network").waitFor({ state: "detached" });
    await bob.getByTestId("amount").fill("5000");
    await bob.getByTestId("deposit").click();
    expect(await outcome(bob, "done")).to.contain("deposited 5,000 USDC");
    await bob.goto(`${server.url}#/trade/0`);
    await bob.getByTestId("fill").first().click();
    expect(await outcome(bob, "done")).to.contain("sold 2 @ 3.499");
    await shot(bob, "5-filled");
  });

  it("positions and PnL change after a fixing", async () => {
    await alice.goto(`${server.url}#/portfolio`);
    const row = alice.getByTestId("holding-0");
    await row.getByTestId("size").filter({ hasText: "long 2" }).waitFor();
    const before = await text(alice, "upnl");
    const { publicClient, wallet } = await localClients(anvil.url, market.deployer.account);
    const now = (await publicClient.getBlock()).timestamp;
    await postFixing({
      publicClient,
      wallet,
      oracle: market.deployment.oracle,
      indexId: indexIdFromName("ATPI"),
      timestamp: now + 1n,
      value: 36n * 10n ** 17n,
      signers: market.operators.map((o) => o.account),
    });
    // The mark moves toward 3.6 (at most 4 % of 3.5 per fixing): 2 x (3.6 - 3.499) x 1,000 USDC.
    await row.getByTestId("upnl").filter({ hasText: "202 USDC" }).waitFor({ timeout: 30_000 });
    expect(before).to.not.equal(await text(alice, "upnl"));
    await shot(alice, "6-pnl");
  });

  it("the portfolio shows liquidation prices on the tick, toward each position, and fits 1,400 and 390 px wide", async () => {
    await bob.goto(`${server.url}#/portfolio`);
    const long = alice.getByTestId("holding-0");
    const short = bob.getByTestId("holding-0");
    await short.getByTestId("size").filter({ hasText: "short 2" }).waitFor();
    // Alice, long 2 @ 3.499 with 698.000001 USDC: (6,998 - 698.000001) / (2 x 1,000 x 0.95) = 3.31578…, up to the tick;
    // Bob, short 2 @ 3.499 with 702.000001 USDC: (6,998 + 702.000001) / (2 x 1,000 x 1.05) = 3.66666…, down to it.
    expect(await long.getByTestId("liq-price").textContent()).to.equal("3.316");
    expect(await short.getByTestId("liq-price").textContent()).to.equal("3.666");
    for (const width of [1400, 390]) {
      for (const page of [alice, bob]) {
        await page.setViewportSize({ width, height: 900 });
        await page.getByTestId("positions").waitFor();
        expect(await overflowing(page), `at ${width} px`).to.deep.equal([]);
        expect(await wrappedAmounts(page), `at ${width} px`).to.deep.equal([]);
      }
      await shot(alice, `6a-portfolio-${width}`);
    }
    for (const page of [alice, bob]) await page.setViewportSize({ width: 1400, height: 900 });
  });

  it("markets show mark, range, open interest and the forward curve; the index page charts fixings with an audit report", async () => {
    await bob.goto(`${server.url}#/markets`);
    const row = bob.getByTestId("market-0");
    await row.getByTestId("open-interest").filter({ hasText: "2" }).waitFor();
    expect(await row.textContent()).to.contain("3.24 – 3.96").and.contain("2 @ 3.499") // mark 3.6 +- 10 %;
    await bob.getByTestId("curve-ATPI").locator("canvas").waitFor();
    await shot(bob, "6b-markets");
    await bob.goto(`${server.url}#/index`);
    await bob.getByTestId("fixing-chart").locator("canvas").waitFor();
    expect(await bob.getByTestId("fixings").locator("tbody tr").count()).to.equal(2);
    await bob.getByTestId("fixings").getByRole("button", { name: "Audit" }).last().click();
    expect(await text(bob, "reproduce")).to.match(/^npm run keeper -- fixing --index ATPI --source replay --at \d{4}-\d\d-\d\dT[\d:]+Z$/);
    await bob.getByTestId("audit-match").waitFor({ timeout: 60_000 });
    await shot(bob, "6c-index");
  });

  it("markets, trade and index pages never widen the page at 390 px: their wide tables scroll in their box", async () => {
    await bob.setViewportSize({ width: 390, height: 900 });
    for (const [hash, ready] of [["#/markets", "market-0"], ["#/trade/0", "ladder"], ["#/index", "fixings"]] as const) {
      await bob.goto(`${server.url}${hash}`);
      await bob.getByTestId(ready).first().waitFor();
      expect((await overflowing(bob)).filter((e) => !e.startsWith("DIV wide ")), hash).to.deep.equal([]);
      await shot(bob, `6d-390${hash.replace(/[#/]+/g, "-")}`);
    }
    await bob.setViewportSize({ width: 1400, height: 900 });
  });

  it("cancels an order from my orders and withdraws", async () => {
    await alice.goto(`${server.url}#/trade/0`);
    await alice.getByTestId("side").selectOption("sell");
    await alice.getByTestId("size").fill("1");
    await alice.getByTestId("price").fill("3.7");
    await alice.locator('[data-testid="checks"] li[data-ok="true"]').filter({ hasText: "margin" }).waitFor();
    await alice.getByTestId("publish").click();
    expect(await outcome(alice, "done")).to.contain("published sell 1 @ 3.7");
    const mine = alice.getByTestId("my-orders");
    await mine.getByRole("button", { name: "Cancel", exact: true }).click();
    expect(await outcome(alice, "done")).to.contain("cancelled");
    await mine.getByText("none open").waitFor();
    await alice.goto(`${server.url}#/portfolio`);
    const free = await text(alice, "free-balance");
    await alice.getByTestId("amount").fill("100");
    await alice.getByTestId("withdraw").click();
    expect(await outcome(alice, "done")).to.contain("withdrew 100 USDC");
    await alice.waitForFunction((f) => document.querySelector('[data-testid="free-balance"]')?.textContent !== f, free);
    await shot(alice, "7-withdrawn");
  });

  it("reaches settlement and claims", async () => {
    const { publicClient, wallet } = await localClients(anvil.url, market.deployer.account);
    const mc = await connectMarket({ publicClient, walletClient: wallet, market: market.deployment.market });
    const series = await getSeries(mc, market.deployment.series[0]!.id);
    const jump = async (seconds: bigint) => {
      await anvil.rpc("evm_increaseTime", [Number(seconds)]);
      await anvil.rpc("evm_mine", []);
    };
    await jump(series.params.expiry - (await publicClient.getBlock()).timestamp + BigInt(series.params.settlementGrace) + 10n);
    // No round recorded: after the grace one settle takes the fallback (the last mark).
    expect((await settle(mc, series)).settlement.kind).to.equal("fallback");
    // Settling resolves no account by itself: close out whoever still holds a position (the keepers do this on a live chain).
    for (const t of market.traders) {
      const pos = await publicClient.readContract({ address: mc.market, abi: futuresMarketAbi, functionName: "position", args: [series.id, t.account.address] });
      if (pos.size !== 0n) await closeOut(mc, series, t.account.address);
    }
    expect((await seriesStatus(mc, series)).phase).to.equal("claimable");
    await alice.reload();
    await alice.getByTestId("holding-0").getByTestId("settlement").filter({ hasText: /final price [\d.]+ \(fallback: no settlement round/ }).waitFor({ timeout: 30_000 });
    await alice.getByTestId("claim").click();
    expect(await outcome(alice, "done")).to.match(/claimed [\d,.]+ USDC/);
    // The settlement sentence wraps inside its cell at both widths.
    for (const width of [390, 1400]) {
      await alice.setViewportSize({ width, height: 900 });
      expect(await overflowing(alice), `settled, at ${width} px`).to.deep.equal([]);
    }
    await shot(alice, "8-claimed");
  });

  it("logged no console errors", () => {
    expect(errors).to.deep.equal([]);
  });
});
