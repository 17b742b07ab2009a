/**
 * The keeper as a service: the compiled `bin` (--version, --help on every subcommand, a port in use, SIGHUP and
 * SIGTERM graceful) and `status`, which checks everything (RPC and chain id, contracts, operator registration,
 * sources, peers) with consistent exit codes and never a stack trace.
 */
import { expect } from "chai";
import { createServer } from "node:http";
import { generatePrivateKey } from "viem/accounts";
import { type Check, run as runStatus } from "../../keeper/commands/status.js";
import { KEEPER_VERSION } from "../../keeper/projectRoot.js";
import { freePort } from "./helpers/anvil.js";
import { runKeeperCli, useSignerChain, writeKeeperConfig } from "./helpers/keeperBin.js";

async function waitFor(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("keeper service: the compiled bin and status", function () {
  this.timeout(120_000);
  const { key, chain, base } = useSignerChain();

  it("--version prints the package version; --help works on every subcommand (exit 0)", async () => {
    const v = await runKeeperCli(["--version"]);
    expect([v.code, v.stdout.trim()]).to.deep.equal([0, KEEPER_VERSION]);
    for (const sub of ["run", "post", "liquidate", "fixing", "robustness", "status", "keystore"]) {
      const r = await runKeeperCli([sub, "--help"]);
      expect(r.code, sub).to.equal(0);
      expect(r.stdout, sub).to.match(/usage/);
      expect(r.stderr, sub).to.equal("");
    }
  });

  it("status: every check passes for a registered signer with a readable source and a reachable peer", async () => {
    const peer = createServer((_req, res) => res.writeHead(503).end("{}"));
    await new Promise<void>((r) => peer.listen(0, "127.0.0.1", r));
    const peerUrl = `http://127.0.0.1:${(peer.address() as { port: number }).port}`;
    try {
      const out: string[] = [];
      const code = await runStatus(["--config", writeKeeperConfig({ ...base(), peers: { urls: [peerUrl] } })], { out: (t) => out.push(t), err: () => {}, env: { OP_KEY: key } });
      const status = JSON.parse(out.join("\n")) as { ok: boolean; checks: Check[]; health: { reasons: string[] } };
      expect(status.checks.map((c) => [c.check, c.ok])).to.deep.equal([
        [`rpc ${chain().anvil.url}`, true], ["chain id", true], ["contract oracle", true], ["operator ATPI", true], ["source ATPI", true], [`peer ${peerUrl}`, true],
      ]);
      // Healthy apart from the index never having been fixed on this fresh oracle: exit 1 with that reason.
      expect(status.health.reasons).to.include("fixing ATPI: none on chain yet");
      expect([code, status.ok]).to.deep.equal([1, false]);
    } finally {
      peer.close();
    }
  });

  it("status: names each failing check (unregistered signer, no contract, unreadable source, unreachable peer); exit 1", async () => {
    const out: string[] = [];
    const config = writeKeeperConfig({
      ...base(),
      contracts: { oracle: chain().oracle, market: "0x000000000000000000000000000000000000dEaD" },
      sources: [{ index: "ATPI", kind: "csv", input: "/nonexistent/prices.csv" }],
      peers: { urls: [`http://127.0.0.1:${await freePort()}`], timeoutMs: 500 },
    });
    const code = await runStatus(["--config", config], { out: (t) => out.push(t), err: () => {}, env: { OP_KEY: generatePrivateKey() } });
    const checks = (JSON.parse(out.join("\n")) as { checks: Check[] }).checks.filter((c) => !c.ok);
    expect(code).to.equal(1);
    expect(checks.map((c) => c.check)).to.deep.equal(["contract market", "operator ATPI", "source ATPI", checks[3]?.check]);
    expect(checks[0]?.detail).to.match(/holds no contract/);
    expect(checks[1]?.detail).to.match(/is not a registered operator of ATPI .*ask the oracle's owner to add it/);
    expect(checks[2]?.detail).to.match(/nonexistent/);
    expect(checks[3]?.check).to.match(/^peer /);
    expect(checks[3]?.detail).to.match(/ECONNREFUSED/); // the root cause, not just "fetch failed"
  });

  it("status: a missing password file is one line and exit 1, never a stack trace", async () => {
    const config = writeKeeperConfig({ ...base(), keys: { signer: { keystore: "signer.json" }, passwordFile: "missing-password" } }, { "signer.json": "{}" });
    const r = await runKeeperCli(["status", "--config", config]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^status: .*password/);
    expect(r.stderr).to.not.match(/\n\s+at /);
  });

  it("a port in use is a clear error (exit 1); SIGHUP and SIGTERM shut down gracefully (exit 0)", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runKeeperCli(["run", "--config", writeKeeperConfig({ ...base(), server: { port } })], { OP_KEY: key });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.include(`127.0.0.1:${port} is already in use`);
      expect(r.stdout + r.stderr).to.not.match(/\n\s+at /);
    } finally {
      blocker.close();
    }
    for (const signal of ["SIGHUP", "SIGTERM"] as const) {
      const r = await runKeeperCli(["run", "--config", writeKeeperConfig({ ...base(), server: { port: 0 } })], { OP_KEY: key }, {
        onSpawn: (kill, out) => void waitFor("keeper running", () => out().includes('"msg":"keeper running"')).then(() => kill(signal)),
      });
      expect(r.code, signal).to.equal(0);
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { msg: string; reason?: string });
      expect(lines.map((l) => l.msg)).to.include.members(["shutting down", "shutdown complete"]);
      expect(lines.find((l) => l.msg === "shutting down")?.reason).to.equal(`signal ${signal}`);
    }
  });
});
