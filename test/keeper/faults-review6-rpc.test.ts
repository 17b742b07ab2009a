/**
 * Operator faults, review 6: an RPC endpoint that answers HTTP 200 with garbage (an HTML error page, results that are
 * not what the method returns, an answer to another request) or 5xx on some methods only. Such an answer is a
 * transport failure of that endpoint: the request fails over, the error is counted, the keeper never goes blind.
 */
import { expect } from "chai";
import { parseEther } from "viem";
import { RpcPool, createFailoverClient, resultProblem } from "../../keeper/chain/rpc.js";
import { createKeeperMetrics } from "../../keeper/observability/metrics.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { fundedAccount } from "./helpers/chain.js";
import { type FaultMode, type FaultProxy, startFaultProxy } from "./helpers/faultProxy.js";

describe("keeper operator faults (review 6): an RPC endpoint answering garbage", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let proxy: FaultProxy;

  before(async () => {
    anvil = await startAnvil();
  });
  after(async () => {
    await anvil.stop();
  });
  beforeEach(async () => {
    proxy = await startFaultProxy(anvil.url);
  });
  afterEach(async () => {
    await proxy.close();
  });

  /** The garbage endpoint first, anvil itself second. */
  function pool() {
    const metrics = createKeeperMetrics();
    const p = new RpcPool({ urls: [proxy.url, anvil.url], chainId: anvil.chainId, timeoutMs: 1_000, cooldownMs: 50, metrics });
    return { pool: p, metrics, client: createFailoverClient(p, anvil.chainId) };
  }

  /** Reads and one send the keeper makes, each checked against anvil's own answer. */
  async function readsAndSendAreRight(client: ReturnType<typeof pool>["client"]) {
    const payer = await fundedAccount(anvil);
    const head = BigInt(await anvil.rpc<string>("eth_blockNumber"));
    expect(await client.getBlockNumber()).to.equal(head);
    expect((await client.getBlock({ blockTag: "latest" })).number).to.equal(head);
    expect(await client.getBalance({ address: payer.address })).to.equal(parseEther("10"));
    const nonce = await client.getTransactionCount({ address: payer.address, blockTag: "pending" });
    expect(await client.call({ to: payer.address, data: "0x" })).to.deep.equal({ data: undefined });
    const raw = await payer.signTransaction({
      chainId: anvil.chainId, type: "eip1559", nonce, to: payer.address, value: 1n, gas: 21_000n, maxFeePerGas: parseEther("0.00000001"), maxPriorityFeePerGas: 1n,
    });
    const hash = await client.sendRawTransaction({ serializedTransaction: raw });
    expect((await client.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status).to.equal("success");
    expect(await client.getTransactionCount({ address: payer.address })).to.equal(nonce + 1);
  }

  for (const mode of ["html", "badResult", "wrongId"] as const satisfies FaultMode[]) {
    it(`${mode} with HTTP 200 after a healthy probe: every read and the send fail over and are right; counted as invalid for that endpoint`, async () => {
      const { pool: p, client, metrics } = pool();
      await p.probeAll();
      expect(p.status().map((s) => s.usable)).to.deep.equal([true, true]);
      proxy.setMode(mode);
      await readsAndSendAreRight(client);
      expect(await metrics.rpcErrors.get({ url: proxy.url, kind: "invalid" })).to.be.greaterThan(0);
      expect(await metrics.rpcErrors.get({ url: anvil.url, kind: "invalid" })).to.equal(0);
    });
  }

  it("badResult from the very first probe (eth_chainId right, eth_blockNumber \"0xzz\"): the keeper is not blinded for good, it uses the other endpoint", async () => {
    // Before: BigInt("0xzz") threw out of the first probe, whose rejected promise every later request awaited.
    proxy.setMode("badResult");
    const { pool: p, client } = pool();
    await readsAndSendAreRight(client);
    await p.probeAll();
    expect(p.status()[1]?.usable).to.equal(true);
  });

  it("HTTP 503 on eth_call and eth_estimateGas only: simulations fail over, the send lands once", async () => {
    const { pool: p, client, metrics } = pool();
    await p.probeAll();
    proxy.failMethods.add("eth_call");
    proxy.failMethods.add("eth_estimateGas");
    const payer = await fundedAccount(anvil);
    expect(await client.estimateGas({ account: payer.address, to: payer.address, value: 1n })).to.equal(21_000n);
    await readsAndSendAreRight(client);
    expect(await metrics.rpcErrors.get({ url: proxy.url, kind: "http" })).to.be.greaterThan(0);
    expect(proxy.received).to.include("eth_sendRawTransaction"); // the other methods still went to the first endpoint
  });

  it("resultProblem (pure): names the method's expected shape; a null receipt or an unknown method is passed", () => {
    expect(resultProblem("eth_blockNumber", [], "0xzz")).to.equal('result "0xzz" is not a hex quantity');
    expect(resultProblem("eth_getBalance", [], null)).to.equal("result null is not a hex quantity");
    expect(resultProblem("eth_call", [], 12)).to.equal("result 12 is not hex data");
    expect(resultProblem("eth_sendRawTransaction", [], "0x12")).to.equal('result "0x12" is not a transaction hash');
    expect(resultProblem("eth_getLogs", [], {})).to.equal("result {} is not an array of logs");
    expect(resultProblem("eth_getBlockByNumber", ["latest", false], null)).to.equal("no latest block (null)");
    expect(resultProblem("eth_getBlockByNumber", ["latest", false], { number: "zz", timestamp: "0x1" })).to.equal("block without a hex number and timestamp");
    expect(resultProblem("eth_getBlockByNumber", ["0x99", false], null)).to.equal(undefined);
    expect(resultProblem("eth_getTransactionReceipt", ["0x00"], null)).to.equal(undefined);
    expect(resultProblem("eth_getTransactionReceipt", ["0x00"], "garbage")).to.equal('result "garbage" is not an object or null');
    expect(resultProblem("eth_blockNumber", [], "0x1b4")).to.equal(undefined);
    expect(resultProblem("anvil_mine", [], "anything")).to.equal(undefined);
  });
});
