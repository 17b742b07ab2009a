/** `npm run keeper -- market-maker` as a child process: the keeper config's chain, market and key; `--once` idempotent. */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Anvil, startAnvil } from "../../scripts/lib/anvil.js";
import { localClients, setupLocalMarket } from "../../scripts/lib/localMarket.js";
import { connectMarket } from "../../sdk/client.js";
import { deposit } from "../../sdk/funds.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

describe("market maker: keeper market-maker (child process, anvil)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  after(async () => {
    await anvil?.stop();
  });

  it("quotes the config's series with the config's key, sends nothing on a second --once, and refuses a bad quotes file", async () => {
    anvil = await startAnvil();
    const market = await setupLocalMarket({ url: anvil.url, traders: 1, firstFixing: { value: 35n * 10n ** 17n } });
    const maker = market.traders[0]!;
    const c = await localClients(anvil.url, maker.account);
    await deposit(await connectMarket({ publicClient: c.publicClient, walletClient: c.wallet, market: market.deployment.market }), 20_000n * 10n ** 6n);
    const dir = mkdtempSync(join(tmpdir(), "mm-"));
    const config = join(dir, "keeper.json");
    writeFileSync(
      config,
      JSON.stringify({
        chainId: anvil.chainId,
        rpc: { urls: [anvil.url] },
        contracts: { oracle: market.deployment.oracle, market: market.deployment.market },
        indexes: ["ATPI"],
        keys: { signer: { privateKeyEnv: "MM_KEY" } },
        gas: { maxFeePerGasGwei: "50", priorityFeeGwei: "1", bumpPercent: 20, stuckAfterSeconds: 30 },
        dataDir: join(dir, "data"),
      }),
    );
    const quotes = join(dir, "mm.json");
    writeFileSync(quotes, JSON.stringify({ spreadBps: 100, size: 3, maxInventory: 10, maxMargin: "10000000000" }));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ spreadBps: 100, size: 3, maxInventory: 10 }));
    const run = (q: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile(
          join(ROOT, "node_modules", ".bin", "tsx"),
          [join(ROOT, "keeper", "cli.ts"), "market-maker", "--config", config, "--quotes", q, "--once"],
          { cwd: ROOT, env: { ...process.env, MM_KEY: maker.privateKey } },
          (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const first = await run(quotes);
    expect(first.code, first.stderr).to.equal(0);
    const r1 = JSON.parse(first.stdout) as { maker: string; refreshed: boolean; published: number };
    expect([r1.maker, r1.refreshed, r1.published]).to.deep.equal([maker.account.address, true, 2]);
    const second = JSON.parse((await run(quotes)).stdout) as { refreshed: boolean; published: number };
    expect([second.refreshed, second.published]).to.deep.equal([false, 0]);
    const refused = await run(bad);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/maxMargin/);
  });
});
