import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { encryptKey } from "../../sdk/keys.js";
import { loadConfig } from "../../keeper/config/load.js";
import { createLogger } from "../../keeper/observability/log.js";
import { run as runStatus } from "../../keeper/commands/status.js";
import { type KeeperRuntime, createRuntime } from "../../keeper/service/runtime.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { deploySink, fundedAccount } from "./helpers/chain.js";
import { postRound } from "./helpers/sender.js";

describe("keeper runtime: config -> keys, RPC, journal, sender, /health, /metrics, shutdown", function () {
  let anvil: Anvil;
  let deployer: LocalAccount;
  let sink: Address;
  let runtime: KeeperRuntime;
  const logs: string[] = [];
  const signerKey = generatePrivateKey();
  const gasKey = generatePrivateKey();

  before(async () => {
    anvil = await startAnvil();
    deployer = await fundedAccount(anvil);
    sink = await deploySink(anvil, deployer);
    const dir = mkdtempSync(join(tmpdir(), "keeper-runtime-"));
    writeFileSync(join(dir, "signer.json"), await encryptKey(signerKey, "operator password", { scryptN: 1024 }));
    writeFileSync(join(dir, ".env"), "KEEPER_KEYSTORE_PASSWORD=operator password\nGAS_KEY=" + gasKey + "\n");
    writeFileSync(
      join(dir, "keeper.json"),
      JSON.stringify({
        chainId: 31337,
        rpc: { urls: [anvil.url], probeIntervalMs: 200 },
        contracts: { oracle: sink },
        indexes: ["ATPI"],
        server: { port: 0 },
        keys: { signer: { keystore: "signer.json" }, gasPayer: { privateKeyEnv: "GAS_KEY" } },
        gas: { maxFeePerGasGwei: "100" },
        health: { fixingStaleSeconds: 600, minGasBalanceEth: "0.5" },
      }),
    );
    runtime = await createRuntime(loadConfig(join(dir, "keeper.json"), { env: {} }), {
      log: createLogger({ level: "debug", write: (l) => logs.push(l) }),
      signals: ["SIGUSR2"],
    });
  });
  after(async () => {
    await runtime.shutdown.shutdown("test end");
    await anvil.stop();
  });

  it("loads a keystore signer and a separate gas payer; no key material in the logs", () => {
    expect(runtime.keys.signer.address).to.equal(privateKeyToAccount(signerKey).address);
    expect(runtime.keys.gasPayer.address).to.equal(privateKeyToAccount(gasKey).address);
    expect(logs.join("\n")).to.not.include(signerKey.slice(2)).and.not.include(gasKey.slice(2));
  });

  it("/health is 503 with reasons until the gas payer is funded and a fresh fixing exists, then 200", async () => {
    const server = await runtime.startServer();
    await runtime.refresh();
    let res = await fetch(`${server.url}/health`);
    expect(res.status).to.equal(503);
    const body = (await res.json()) as { reasons: string[] };
    expect(body.reasons).to.deep.equal(["fixing ATPI: none on chain yet", "gas balance: 0 wei below minimum 500000000000000000 wei"]);

    await anvil.rpc("anvil_setBalance", [runtime.keys.gasPayer.address, "0xde0b6b3a7640000"]); // 1 ETH
    await runtime.reconcile();
    const block = await runtime.client.getBlock();
    const sent = await runtime.sender.send(postRound(sink, Number(block.timestamp)));
    expect(sent.status).to.equal("sent");
    expect((await runtime.sender.waitFinal(sent.key, { pollMs: 20 })).state).to.equal("confirmed");
    await runtime.refresh();
    res = await fetch(`${server.url}/health`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ ok: true, reasons: [] });
  });

  it("/metrics exposes gas balance, fixing age, RPC endpoint health and transactions", async () => {
    const text = await (await fetch(`${runtime.server!.url}/metrics`)).text();
    const balance = text.match(new RegExp(`keeper_gas_balance_wei\\{account="${runtime.keys.gasPayer.address}"\\} (\\d+)`));
    expect(Number(balance?.[1] ?? 0)).to.equal(Number(await runtime.client.getBalance({ address: runtime.keys.gasPayer.address }))); // a float, as every Prometheus value
    expect(text).to.match(/keeper_last_fixing_age_seconds\{index="ATPI"\} \d+/);
    expect(text).to.include(`keeper_rpc_endpoint_healthy{url="${anvil.url}"} 1`);
    expect(text).to.include('keeper_tx_confirmed_total{kind="post",status="confirmed"} 1');
  });

  it("status() summarises endpoints, head, balance, fixings and health", async () => {
    const s = await runtime.status();
    expect(s.signer).to.equal(runtime.keys.signer.address);
    expect(s.endpoints.map((e) => e.usable)).to.deep.equal([true]);
    expect(s.inFlight).to.equal(0);
    expect(s.health.ok).to.equal(true);
    expect(Number(s.fixings.ATPI)).to.be.greaterThan(0);
  });

  it("graceful shutdown on a signal: background loops stop, the server closes, the journal closes", async () => {
    const background = runtime.runBackground();
    await new Promise((r) => setTimeout(r, 300));
    process.kill(process.pid, "SIGUSR2");
    await runtime.shutdown.done;
    await background;
    expect(runtime.shutdown.signal.aborted).to.equal(true);
    const refused = await fetch(`${runtime.server!.url}/health`).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(Error);
    expect(() => runtime.journal.get("x")).to.throw();
    expect(logs.some((l) => l.includes('"msg":"shutdown complete"'))).to.equal(true);
  });
});

describe("keeper status command", function () {
  let anvil: Anvil;
  before(async () => {
    anvil = await startAnvil();
  });
  after(async () => {
    await anvil.stop();
  });

  function configDir(config: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), "keeper-status-"));
    writeFileSync(join(dir, "keeper.json"), JSON.stringify(config));
    return join(dir, "keeper.json");
  }

  it("prints a JSON summary; exit 1 with reasons when unhealthy", async () => {
    const sinkOwner = await fundedAccount(anvil);
    const sink = await deploySink(anvil, sinkOwner);
    const path = configDir({
      chainId: 31337, rpc: { urls: [anvil.url] }, contracts: { oracle: sink }, indexes: ["ATPI"],
      keys: { signer: { privateKeyEnv: "OP_KEY" } }, gas: { maxFeePerGasGwei: "100" },
    });
    const out: string[] = [];
    const err: string[] = [];
    const code = await runStatus(["--config", path], { out: (t) => out.push(t), err: (t) => err.push(t), env: { OP_KEY: generatePrivateKey() } });
    expect(code).to.equal(1);
    const status = JSON.parse(out.join("\n")) as { endpoints: { usable: boolean }[]; health: { reasons: string[] }; fixings: Record<string, string> };
    expect(status.endpoints[0]?.usable).to.equal(true);
    expect(status.fixings).to.deep.equal({ ATPI: "0" });
    expect(status.health.reasons).to.include("fixing ATPI: none on chain yet");
  });

  it("a bad config exits 2 with a message naming the key", async () => {
    const path = configDir({ chainId: 31337, rpc: { urls: ["nope"] }, contracts: { oracle: "0x00" }, indexes: ["ATPI"], keys: { signer: { keystore: "k.json" } }, gas: { maxFeePerGasGwei: "1" } });
    const err: string[] = [];
    expect(await runStatus(["--config", path], { out: () => {}, err: (t) => err.push(t), env: {} })).to.equal(2);
    expect(err[0]).to.include("rpc.urls[0]: must be a URL").and.include("contracts.oracle: must be a 20-byte hex address");
    expect(await runStatus([], { out: () => {}, err: () => {} })).to.equal(2);
  });
});
