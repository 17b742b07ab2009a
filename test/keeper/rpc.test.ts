import { expect } from "chai";
import { parseEther } from "viem";
import { NoHealthyRpcError, RpcPool, createFailoverClient } from "../../keeper/chain/rpc.js";
import { createLogger } from "../../keeper/observability/log.js";
import { createKeeperMetrics } from "../../keeper/observability/metrics.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { fundedAccount } from "./helpers/chain.js";
import { type FaultMode, type FaultProxy, startFaultProxy } from "./helpers/faultProxy.js";
import { prng } from "./helpers/random.js";

describe("K01 RPC failover (fault proxy in front of a real anvil)", function () {
  let anvil: Anvil;
  let a: FaultProxy;
  let b: FaultProxy;

  before(async () => {
    anvil = await startAnvil();
  });
  after(async () => {
    await anvil.stop();
  });
  beforeEach(async () => {
    a = await startFaultProxy(anvil.url);
    b = await startFaultProxy(anvil.url);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  function pool(overrides: Partial<ConstructorParameters<typeof RpcPool>[0]> = {}) {
    const metrics = createKeeperMetrics();
    const p = new RpcPool({ urls: [a.url, b.url], chainId: anvil.chainId, timeoutMs: 300, cooldownMs: 50, metrics, ...overrides });
    return { pool: p, metrics, client: createFailoverClient(p, anvil.chainId) };
  }

  const labelOf = (proxy: FaultProxy) => proxy.url.replace(/\/$/, "");

  for (const [mode, kind] of [["drop", "network"], ["http5xx", "http"], ["delay", "timeout"]] as const) {
    it(`K01 ${mode}: the request fails over to the next endpoint and the error is counted for that URL`, async () => {
      const { client, metrics } = pool();
      await client.getBlockNumber(); // probe while healthy
      a.setMode(mode);
      const started = Date.now();
      const head = await client.getBlockNumber();
      expect(head).to.equal(BigInt(await anvil.rpc<string>("eth_blockNumber")));
      expect(Date.now() - started).to.be.lessThan(1_900); // the delayed endpoint answers after 2 s: we did not wait
      expect(await metrics.rpcErrors.get({ url: labelOf(a), kind })).to.be.greaterThan(0);
      expect(await metrics.rpcErrors.get({ url: labelOf(b), kind })).to.equal(0);
    });
  }

  it("K01 frozen head: an endpoint whose head lags by more than maxHeadLagBlocks is skipped", async () => {
    const { pool: p, client } = pool({ maxHeadLagBlocks: 2 });
    await p.probeAll();
    a.setMode("frozen");
    await client.getBlockNumber();
    await anvil.rpc("anvil_mine", ["0x5"]);
    await p.probeAll();
    const [sa, sb] = p.status();
    expect(sa?.usable).to.equal(false);
    expect(sa?.reason).to.match(/lags best \d+ by more than 2 blocks/);
    expect(sb?.usable).to.equal(true);
    const before = a.received.length;
    const block = await client.getBlock({ blockTag: "latest" });
    expect(block.number).to.equal(BigInt(await anvil.rpc<string>("eth_blockNumber")));
    expect(a.received.length).to.equal(before); // nothing read from the frozen endpoint
  });

  it("K01 frozen head by time: with frozenHeadSeconds set, a head that stops changing is skipped", async () => {
    let now = 1_000_000;
    const { pool: p } = pool({ frozenHeadSeconds: 30, now: () => now });
    await p.probeAll();
    a.setMode("frozen");
    await p.probeAll();
    await anvil.rpc("anvil_mine", ["0x1"]);
    now += 31_000;
    await p.probeAll();
    expect(p.status().map((s) => s.usable)).to.deep.equal([false, true]);
    expect(p.status()[0]?.reason).to.match(/frozen for more than 30s/);
  });

  it("K01 wrong chain id: never used, and no transaction is ever sent to it", async () => {
    a.setMode("wrongChain");
    const { pool: p, client, metrics } = pool();
    const payer = await fundedAccount(anvil);
    const nonce = await client.getTransactionCount({ address: payer.address });
    const raw = await payer.signTransaction({
      chainId: anvil.chainId, type: "eip1559", nonce, to: payer.address, value: 1n, gas: 21_000n,
      maxFeePerGas: parseEther("0.00000001"), maxPriorityFeePerGas: 1n,
    });
    const hash = await client.sendRawTransaction({ serializedTransaction: raw });
    expect((await client.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status).to.equal("success");
    expect(a.received).to.not.include("eth_sendRawTransaction");
    expect(p.status()[0]?.reason).to.equal(`wrong chain id 1 (expected ${anvil.chainId})`);
    expect(await metrics.rpcErrors.get({ url: labelOf(a), kind: "chain_id" })).to.be.greaterThan(0);
  });

  it("K01 wrong chain id after a healthy probe: the on-the-spot check before a send catches it", async () => {
    const { pool: p, client } = pool();
    await p.probeAll();
    expect(p.status().every((s) => s.usable)).to.equal(true);
    a.setMode("wrongChain");
    const payer = await fundedAccount(anvil);
    const raw = await payer.signTransaction({
      chainId: anvil.chainId, type: "eip1559", nonce: 0, to: payer.address, value: 1n, gas: 21_000n,
      maxFeePerGas: parseEther("0.00000001"), maxPriorityFeePerGas: 1n,
    });
    await client.sendRawTransaction({ serializedTransaction: raw });
    expect(a.received.at(-1)).to.equal("eth_chainId");
    expect(a.received).to.not.include("eth_sendRawTransaction");
    expect(b.received).to.include("eth_sendRawTransaction");
  });

  it("K01 every endpoint down: a clear NoHealthyRpcError; service resumes when one comes back", async () => {
    const { client } = pool({ failuresBeforeCooldown: 1, cooldownMs: 100 });
    a.setMode("drop");
    b.setMode("http5xx");
    const error = await client.getBlockNumber().catch((e: unknown) => e);
    expect(String((error as Error).message)).to.match(/(no usable RPC endpoint|http: HTTP 503)/);
    b.setMode("pass");
    await new Promise((r) => setTimeout(r, 150));
    expect(await client.getBlockNumber()).to.equal(BigInt(await anvil.rpc<string>("eth_blockNumber")));
  });

  it("a benched endpoint returns as soon as its probe succeeds (not after the cooldown); blind and recovery are reported and logged", async () => {
    const lines: string[] = [];
    const blind: boolean[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const { pool: p, client } = pool({ failuresBeforeCooldown: 1, cooldownMs: 3_600_000, log, onProbe: (s) => blind.push(!s.some((x) => x.usable)) });
    await p.probeAll();
    a.setMode("drop");
    b.setMode("drop");
    await client.getBlockNumber().catch(() => undefined);
    await p.probeAll();
    expect(blind.at(-1)).to.equal(true);
    expect(p.status().map((s) => s.usable)).to.deep.equal([false, false]);
    a.setMode("pass");
    await p.probeAll(); // an hour of cooldown left, but the probe answered
    expect(blind.at(-1)).to.equal(false);
    expect(p.status().map((s) => s.usable)).to.deep.equal([true, false]);
    expect(await client.getBlockNumber()).to.equal(BigInt(await anvil.rpc<string>("eth_blockNumber")));
    const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).to.include.members(["rpc endpoint benched", "rpc: no usable endpoint (blind)", "rpc endpoint recovered: back in use", "rpc: an endpoint is usable again"]);
  });

  // 200 by default to keep the suite fast; KEEPER_K01_OUTAGES=1000 runs the THREATS.md figure (seen passing).
  const OUTAGES = Number(process.env.KEEPER_K01_OUTAGES ?? 200);
  it(`K01 ${OUTAGES} injected outages (seeded): every read is answered with the true head, every send lands, none on a wrong chain`, async () => {
    // 500 ms: the healthy endpoint (a local anvil) must answer within one timeout even on a machine loaded by other
    // processes, or the read fails on both endpoints; the delayed endpoint answers far later (5 s).
    const { pool: p, client } = pool({ timeoutMs: 500, cooldownMs: 20 });
    const rand = prng(0xc0ffee);
    const modes: FaultMode[] = ["drop", "http5xx", "wrongChain", "delay", "pass"];
    const payer = await fundedAccount(anvil);
    a.delayMs = 5_000;
    let sends = 0;
    let slowest = 0;
    for (let i = 0; i < OUTAGES; i++) {
      a.setMode(modes[Math.floor(rand() * modes.length)] as FaultMode);
      if (i % 20 === 0) await p.probeAll();
      const t0 = performance.now();
      const head = await client.getBlockNumber();
      slowest = Math.max(slowest, performance.now() - t0);
      expect(head).to.equal(BigInt(await anvil.rpc<string>("eth_blockNumber")));
      if (i % 10 === 0) {
        const raw = await payer.signTransaction({
          chainId: anvil.chainId, type: "eip1559", nonce: sends, to: payer.address, value: 0n, gas: 21_000n,
          maxFeePerGas: parseEther("0.00000001"), maxPriorityFeePerGas: 1n,
        });
        const hash = await client.sendRawTransaction({ serializedTransaction: raw });
        expect((await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })).status).to.equal("success");
        sends++;
      }
    }
    expect(sends).to.equal(Math.ceil(OUTAGES / 10));
    // Switching takes one timeout (500 ms) plus the healthy endpoint's answer. The bound only proves no read waited
    // for the 5 s delayed answer (loaded CI machines are slow).
    expect(slowest).to.be.lessThan(4_000);
    expect(a.log.filter((l) => l.mode === "wrongChain" && l.method === "eth_sendRawTransaction")).to.deep.equal([]);
    expect(a.log.filter((l) => l.mode === "wrongChain").length).to.be.greaterThan(0);
    expect(await client.getTransactionCount({ address: payer.address })).to.equal(sends);
  });

  it("a JSON-RPC error answer (revert) is returned as is, without failover", async () => {
    const { client } = pool();
    const error = await client.request({ method: "eth_getBalance" as "eth_getBalance", params: ["0xnot-an-address" as `0x${string}`, "latest"] }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect(a.received.filter((m) => m === "eth_getBalance")).to.have.length(1);
    expect(b.received.filter((m) => m === "eth_getBalance")).to.have.length(0);
    expect(error).to.not.be.instanceOf(NoHealthyRpcError);
  });
});
