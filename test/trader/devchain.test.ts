/** npm run devchain as a child process: it deploys, prints the accounts, serves the RPC until SIGINT, then stops anvil. */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPublicClient, erc20Abi, http } from "viem";
import { execFile } from "node:child_process";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { parseDeployment } from "../../sdk/deployment.js";
import { freePort, rpcCall } from "../../scripts/lib/anvil.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

describe("devchain command (child process)", function () {
  this.timeout(120_000);

  it("deploys, funds, posts the bundled ATPI fixing, serves until SIGINT and then stops its anvil", async () => {
    const port = await freePort();
    const out = mkdtempSync(join(tmpdir(), "devchain-"));
    const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "devchain.ts"), "--port", String(port), "--traders", "2", "--out", out], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const deadline = Date.now() + 90_000;
    while (!stdout.includes("Ctrl-C stops the chain")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`devchain did not come up: ${stdout}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = `http://127.0.0.1:${port}`;
    expect(stdout).to.contain(`RPC URL      ${url}`);
    expect(stdout).to.contain("ATPI         3.12325 USD per 1M tokens"); // methodology v2 (v1: 3.12275)
    expect(stdout.match(/^ {2}trader /gm)).to.have.length(2);

    const d = parseDeployment(readFileSync(join(out, "31337.json"), "utf8"));
    const client = createPublicClient({ transport: http(url) });
    const fixing = await client.readContract({ address: d.oracle, abi: indexOracleAbi, functionName: "latestFixing", args: [d.indexId] });
    expect(fixing.value).to.equal(3_123_250_000_000_000_000n);
    expect(fixing.methodologyVersion).to.equal(2);
    const trader = /trader {3}(0x[0-9a-fA-F]{40})/.exec(stdout)?.[1] as `0x${string}`;
    expect(await client.readContract({ address: d.collateral, abi: erc20Abi, functionName: "balanceOf", args: [trader] })).to.equal(100_000_000_000n);

    child.kill("SIGINT");
    expect(await exited).to.equal(0);
    const stillUp = await rpcCall(url, "eth_chainId").then(() => true, () => false);
    expect(stillUp, "anvil stopped with the command").to.equal(false);
  });

  it("with --keepers fixings keep coming as chain time advances; advance --to settlement reaches a claimable series", async () => {
    const port = await freePort();
    const out = mkdtempSync(join(tmpdir(), "devchain-"));
    const tsx = join(ROOT, "node_modules", ".bin", "tsx");
    const child = spawn(tsx, [join(ROOT, "scripts", "devchain.ts"), "--port", String(port), "--traders", "1", "--out", out, "--keepers"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const deadline = Date.now() + 100_000;
      while (!stdout.includes("devchain ready")) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`devchain did not come up: ${stdout}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(stdout).to.contain("keepers      4 running");
      const url = `http://127.0.0.1:${port}`;
      const file = join(out, "31337.json");
      const d = parseDeployment(readFileSync(file, "utf8"));
      const client = createPublicClient({ transport: http(url) });
      const advance = (...args: string[]) =>
        new Promise<string>((done, failed) =>
          execFile(tsx, [join(ROOT, "scripts", "devchain.ts"), "advance", "--rpc", url, ...args], { cwd: ROOT }, (e, so) => (e ? failed(e) : done(so))),
        );
      const until = async <T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
        const end = Date.now() + 60_000;
        for (;;) {
          const v = await read();
          if (ok(v)) return v;
          if (Date.now() > end) throw new Error(`${what}: not within 60 s`);
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      const fixing = () => client.readContract({ address: d.oracle, abi: indexOracleAbi, functionName: "latestFixing", args: [d.indexId] });
      const first = await fixing();
      expect(await advance("--days", "2")).to.match(/chain time .* -> /);
      const next = await until("a fixing after the jump", fixing, (f) => f.timestamp > first.timestamp + 86_400n);
      expect(Number(next.timestamp) % 86_400, "keepers fix at day boundaries").to.equal(0);
      await advance("--deployment", file, "--to", "settlement");
      const id = d.series[0]!.id;
      const state = await until(
        "settlement",
        () => client.readContract({ address: d.market, abi: futuresMarketAbi, functionName: "seriesState", args: [id] }),
        (st) => st.settledAt !== 0n,
      );
      expect(state.finalPrice > 0n).to.equal(true);
    } finally {
      child.kill("SIGINT");
      expect(await exited).to.equal(0);
    }
  });
});
