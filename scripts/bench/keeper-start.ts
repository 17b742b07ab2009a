/**
 * Start-to-HTTP-up of the compiled keeper (`npm run bench:keeper-start`): spawns `node dist/keeper/cli.js run`
 * against a fresh anvil, and measures the time from spawn until GET /health answers (any status), RUNS times.
 * Prints each run and the median in ms; exits 1 if the median is 1 s or more.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePrivateKey } from "viem/accounts";
import { freePort, startAnvil } from "../lib/anvil.js";
import { KEEPER_CLI } from "../lib/keeperProcess.js";

const RUNS = Number(process.env.RUNS ?? 7);

const anvil = await startAnvil();
const times: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), "keeper-start-"));
    const port = await freePort();
    const config = join(dir, "keeper.json");
    writeFileSync(config, JSON.stringify({
      chainId: anvil.chainId,
      rpc: { urls: [anvil.url] },
      contracts: { oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      indexes: ["ATPI"],
      sources: [{ index: "ATPI", kind: "replay" }],
      server: { port },
      keys: { signer: { privateKeyEnv: "KEEPER_SIGNER_KEY" } },
      gas: { maxFeePerGasGwei: "100" },
      dataDir: "./data",
      logLevel: "error",
    }));
    const t0 = performance.now();
    const child = spawn(process.execPath, [KEEPER_CLI, "run", "--config", config], {
      stdio: "ignore",
      env: { ...process.env, KEEPER_SIGNER_KEY: generatePrivateKey() },
    });
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
      if (up) break;
      if (child.exitCode !== null) throw new Error(`keeper exited with ${child.exitCode}`);
      if (performance.now() - t0 > 20_000) throw new Error("keeper not up within 20 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    times.push(performance.now() - t0);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
} finally {
  await anvil.stop();
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] as number;
console.log(`keeper start to HTTP up (ms): ${times.map((t) => t.toFixed(0)).join(", ")}`);
console.log(`median ${median.toFixed(0)} ms over ${RUNS} runs`);
process.exitCode = median < 1_000 ? 0 : 1;
