/** `keeper post` (one round, then exit) and `keeper run` start-up checks, as real processes against anvil. */
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Anvil, freePort, startAnvil } from "./helpers/anvil.js";
import { fundedAccount } from "./helpers/chain.js";
import { deployOracle } from "./helpers/deploy.js";
import { START } from "./helpers/e2e.js";
import { KeeperProcess, tempRoot } from "./helpers/keepers.js";

describe("keeper post and run subcommands (real processes)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let keeper: KeeperProcess;

  before(async () => {
    anvil = await startAnvil({ args: ["--timestamp", String(START + 100)] });
    const owner = await fundedAccount(anvil);
    const privateKey = generatePrivateKey();
    const operator = privateKeyToAccount(privateKey).address;
    await anvil.rpc("anvil_setBalance", [operator, toHex(parseEther("10"))]);
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [operator] });
    keeper = new KeeperProcess(
      { name: "solo", privateKey, chainId: anvil.chainId, rpcUrls: [anvil.url], oracle, port: await freePort(), peerUrls: [], overrides: { schedule: { catchUpRounds: 1 } } },
      tempRoot(),
    );
  });
  after(async () => {
    await anvil.stop();
  });

  const nonce = (address: `0x${string}`) => anvil.rpc<string>("eth_getTransactionCount", [address, "latest"]);

  it("post --dry-run prints the post it would send and sends nothing", async () => {
    const operator = privateKeyToAccount(keeper.spec.privateKey).address;
    const { code, stdout, stderr } = await keeper.runOnce("post", ["--dry-run"]);
    expect(code, stderr).to.equal(0);
    const out = stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = out.find((o) => o.own !== undefined) as { post: { status: string; gas: string }; quorum: { have: number; need: number } };
    expect(summary.post.status).to.equal("dry-run");
    expect(BigInt(summary.post.gas) > 0n).to.equal(true);
    expect(summary.quorum).to.deep.equal({ have: 1, need: 1 });
    expect(await nonce(operator)).to.equal("0x0");
  });

  it("post sends the round, waits until it is final and exits 0; a second post finds nothing due", async () => {
    const operator = privateKeyToAccount(keeper.spec.privateKey).address;
    const first = await keeper.runOnce("post");
    expect(first.code, first.stderr).to.equal(0);
    const summary = first.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>).find((o) => o.own !== undefined) as { post: { status: string } };
    expect(summary.post.status).to.equal("sent");
    expect(await nonce(operator)).to.equal("0x1");
    const second = await keeper.runOnce("post");
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.contain('"rounds":0');
    expect(await nonce(operator)).to.equal("0x1");
  });

  it("one keeper per data directory: post refuses while run holds it; a lock left by kill -9 is taken over", async () => {
    await keeper.start();
    const refused = await keeper.runOnce("post");
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/data directory is in use by another keeper \(pid \d+/);
    await keeper.stop("SIGKILL");
    const after = await keeper.runOnce("post");
    expect(after.code, after.stderr).to.equal(0);
  });

  it("run stops at start with exit 2 and a message naming the key when the config is bad", async () => {
    const bad = new KeeperProcess({ ...keeper.spec, name: "bad" }, tempRoot());
    writeFileSync(bad.configPath, JSON.stringify({ ...JSON.parse(JSON.stringify({ chainId: 31337 })), sources: [{ index: "ATPI", kind: "nope" }] }));
    const { code, stderr } = await bad.runOnce("run");
    expect(code).to.equal(2);
    expect(stderr).to.match(/sources\[0\]\.kind: must be one of/);
    expect(stderr).to.match(/rpc: is required/);
  });
});
