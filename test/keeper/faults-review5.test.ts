/**
 * Operator faults, review 5: what an operator meets on disk and in the config file, against the compiled bin.
 */
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { Journal } from "../../keeper/chain/journal.js";
import { KEEPER_CLI, ensureKeeperBuilt } from "../../scripts/lib/keeperProcess.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { fundedAccount } from "./helpers/chain.js";
import { deployOracle } from "./helpers/deploy.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KEEPER_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env }, ...(cwd ? { cwd } : {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

function configDir(config: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "keeper-faults5-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "keeper.json"), JSON.stringify({ dataDir: "./data", ...config }));
  return dir;
}

describe("keeper operator faults (review 5)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  const key = generatePrivateKey();
  const signer = privateKeyToAccount(key).address;
  let oracle: `0x${string}`;

  before(async () => {
    ensureKeeperBuilt();
    anvil = await startAnvil();
    const owner = await fundedAccount(anvil);
    ({ oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [signer, privateKeyToAccount(generatePrivateKey()).address] }));
  });
  after(async () => {
    await anvil?.stop();
  });

  const base = () => ({
    chainId: anvil.chainId,
    rpc: { urls: [anvil.url], probeIntervalMs: 200 },
    contracts: { oracle },
    indexes: ["ATPI"],
    sources: [{ index: "ATPI", kind: "replay" }],
    keys: { signer: { privateKeyEnv: "OP_KEY" } },
    gas: { maxFeePerGasGwei: "100" },
  });

  it("a relative sources[].input is resolved against the config file's directory, whatever the working directory", async () => {
    const models = readFileSync(join(FIXTURES, "openrouter-models.json"), "utf8");
    const dir = configDir({ ...base(), sources: [{ index: "ATPI", kind: "openrouter-json", input: "models.json" }] }, { "models.json": models });
    const r = await cli(["status", "--config", join(dir, "keeper.json")], { OP_KEY: key }, tmpdir());
    const checks = (JSON.parse(r.stdout) as { checks: { check: string; ok: boolean; detail: string }[] }).checks;
    const source = checks.find((c) => c.check === "source ATPI");
    expect(source?.ok, source?.detail).to.equal(true);
  });

  for (const [what, damage] of [
    ["not a database (garbage bytes)", (path: string) => writeFileSync(path, "garbage ".repeat(600))],
    ["truncated mid-page", (path: string) => truncateSync(path, 4_196)],
  ] as const) {
    it(`a journal ${what}: run and status name the journal file, one line, no stack trace`, async () => {
      const dir = configDir(base());
      const path = join(dir, "data", "journal.sqlite");
      const journal = new Journal(path);
      journal.set("filler", "x".repeat(20_000));
      journal.close();
      damage(path);
      for (const sub of ["run", "status"]) {
        const r = await cli([sub, "--config", join(dir, "keeper.json")], { OP_KEY: key });
        expect(r.code, sub).to.equal(1);
        expect(r.stderr, sub).to.include(`cannot open the journal ${path}`);
        expect(r.stdout + r.stderr, sub).to.not.match(/\n\s+at /);
      }
    });
  }

  // README tells operators to run `npm run keeper -- run`; a supervisor's `kill <pid>` then reaches npm, not node.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} to \`npm run keeper -- run\` shuts the keeper down cleanly; no orphaned keeper is left`, async () => {
      const dir = configDir({ ...base(), server: { port: 0 } });
      const cfg = join(dir, "keeper.json");
      const child = spawn("npm", ["run", "-s", "keeper", "--", "run", "--config", cfg], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, OP_KEY: key } });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<void>((r) => child.on("exit", () => r()));
      const keepers = () => {
        try {
          return execFileSync("pgrep", ["-f", `cli.js run --config ${cfg}`], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
        } catch {
          return [];
        }
      };
      try {
        for (let i = 0; i < 200 && !out.includes("keeper running"); i++) await new Promise((r) => setTimeout(r, 100));
        expect(out, "keeper did not start").to.include("keeper running");
        child.kill(signal);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        await new Promise((r) => setTimeout(r, 500));
        expect(keepers(), "keeper processes left running").to.deep.equal([]);
        expect(out).to.include("shutdown complete");
      } finally {
        for (const pid of keepers()) process.kill(pid, "SIGKILL");
        child.kill("SIGKILL");
      }
    });
  }
});
