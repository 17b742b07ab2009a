/**
 * Operator faults, review 5: what an operator meets on disk and in the config file, against the compiled bin.
 */
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Journal } from "../../keeper/chain/journal.js";
import { runKeeperCli, useSignerChain, writeKeeperConfig } from "./helpers/keeperBin.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

describe("keeper operator faults (review 5)", function () {
  this.timeout(60_000);
  const { key, base } = useSignerChain();

  it("a relative sources[].input is resolved against the config file's directory, whatever the working directory", async () => {
    const models = readFileSync(join(FIXTURES, "openrouter-models.json"), "utf8");
    const cfg = writeKeeperConfig({ ...base(), sources: [{ index: "ATPI", kind: "openrouter-json", input: "models.json" }] }, { "models.json": models });
    const r = await runKeeperCli(["status", "--config", cfg], { OP_KEY: key }, { cwd: tmpdir() });
    const checks = (JSON.parse(r.stdout) as { checks: { check: string; ok: boolean; detail: string }[] }).checks;
    const source = checks.find((c) => c.check === "source ATPI");
    expect(source?.ok, source?.detail).to.equal(true);
  });

  for (const [what, damage] of [
    ["not a database (garbage bytes)", (path: string) => writeFileSync(path, "garbage ".repeat(600))],
    ["truncated mid-page", (path: string) => truncateSync(path, 4_196)],
  ] as const) {
    it(`a journal ${what}: run and status name the journal file, one line, no stack trace`, async () => {
      const cfg = writeKeeperConfig(base());
      const path = join(dirname(cfg), "data", "journal.sqlite");
      const journal = new Journal(path);
      journal.set("filler", "x".repeat(20_000));
      journal.close();
      damage(path);
      for (const sub of ["run", "status"]) {
        const r = await runKeeperCli([sub, "--config", cfg], { OP_KEY: key });
        expect(r.code, sub).to.equal(1);
        expect(r.stderr, sub).to.include(`cannot open the journal ${path}`);
        expect(r.stdout + r.stderr, sub).to.not.match(/\n\s+at /);
      }
    });
  }

  // README tells operators to run `npm run keeper -- run`; a supervisor's `kill <pid>` then reaches npm, not node.
  // npm forwards SIGTERM and SIGINT; on SIGHUP it exits alone, and the keeper stops because its parent is gone.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`${signal} to \`npm run keeper -- run\` shuts the keeper down cleanly; no orphaned keeper is left`, async () => {
      const cfg = writeKeeperConfig({ ...base(), server: { port: 0 } });
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
        // SIGHUP: npm is gone at once; the keeper notices within its parent poll, then shuts down.
        for (let i = 0; i < 100 && keepers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
        expect(keepers(), "keeper processes left running").to.deep.equal([]);
        expect(out).to.include("shutdown complete");
      } finally {
        for (const pid of keepers()) process.kill(pid, "SIGKILL");
        child.kill("SIGKILL");
      }
    });
  }
});
