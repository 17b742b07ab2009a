/**
 * A keeper as a real child process, the compiled service (`node dist/keeper/cli.js run --config ...`, built once
 * per process with `tsc -p tsconfig.keeper.json`, incremental): writes its config file and .env, parses its JSON
 * log lines, stops it gracefully or with SIGKILL. Used by the demo and the e2e tests.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Address, Hex } from "viem";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The compiled keeper entry point (the package's `bin`). */
export const KEEPER_CLI = join(ROOT, "dist", "keeper", "cli.js");

let built = false;
/** Compiles the keeper to dist/ once per process (a no-op build takes ~3 s), so children run the current source. */
export function ensureKeeperBuilt(): void {
  if (built) return;
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.keeper.json")], { stdio: ["ignore", "inherit", "inherit"] });
  built = true;
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export interface KeeperSpec {
  name: string;
  privateKey: Hex;
  chainId: number;
  rpcUrls: string[];
  oracle: Address;
  port: number;
  peerUrls: string[];
  /** Merged over the defaults below (schedule, gas, rpc, ...) or added (contracts, settlement, liquidator). */
  overrides?: Record<string, unknown>;
}

export class KeeperProcess {
  readonly dir: string;
  readonly configPath: string;
  readonly url: string;
  logs: LogLine[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = "";

  constructor(readonly spec: KeeperSpec, root: string) {
    this.dir = join(root, spec.name);
    mkdirSync(this.dir, { recursive: true });
    this.configPath = join(this.dir, "keeper.json");
    this.url = `http://127.0.0.1:${spec.port}`;
    const { rpc, schedule, gas, contracts, peers, ...rest } = spec.overrides ?? {};
    const config = {
      chainId: spec.chainId,
      rpc: { urls: spec.rpcUrls, timeoutMs: 1_000, probeIntervalMs: 500, failuresBeforeCooldown: 1, cooldownMs: 5_000, ...(rpc as object) },
      contracts: { oracle: spec.oracle, ...(contracts as object) },
      indexes: ["ATPI"],
      sources: [{ index: "ATPI", kind: "replay" }],
      schedule: { intervalSeconds: 86_400, windowPolls: 4, maxFutureSkewSeconds: 60, pollMs: 200, catchUpRounds: 3, postStaggerMs: 1_500, ...(schedule as object) },
      peers: { urls: spec.peerUrls, timeoutMs: 1_000, gatherMs: 1_500, ...(peers as object) },
      server: { host: "127.0.0.1", port: spec.port },
      keys: { signer: { privateKeyEnv: "KEEPER_SIGNER_KEY" } },
      gas: { maxFeePerGasGwei: "100", stuckAfterSeconds: 2, ...(gas as object) },
      dataDir: "./data",
      logLevel: "info",
      ...rest,
    };
    writeFileSync(this.configPath, JSON.stringify(config, null, 2));
    writeFileSync(join(this.dir, ".env"), `KEEPER_SIGNER_KEY=${spec.privateKey}\n`);
  }

  /** Starts the process and resolves once it logged "keeper running". */
  async start(timeoutMs = 20_000): Promise<void> {
    const from = this.logs.length;
    ensureKeeperBuilt();
    const child = spawn(process.execPath, [KEEPER_CLI, "run", "--config", this.configPath], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, KEEPER_SIGNER_KEY: undefined },
    });
    this.child = child;
    let buffer = "";
    child.stdout?.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ msg: line });
        }
      }
    });
    child.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.once("exit", () => r()));
    await this.waitLog((l) => l.msg === "keeper running", timeoutMs, from);
  }

  /** Runs another subcommand (e.g. `post`, `status`) once with this keeper's config; resolves with its output. */
  runOnce(subcommand: string, extra: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      ensureKeeperBuilt();
      const child = spawn(process.execPath, [KEEPER_CLI, subcommand, "--config", this.configPath, ...extra], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, KEEPER_SIGNER_KEY: undefined },
      });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** Waits for a log line (from index `from`) matching `pred`; rejects with the recent logs on timeout or exit. */
  async waitLog(pred: (l: LogLine) => boolean, timeoutMs = 15_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.slice(from).find(pred);
      if (found) return found;
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
        throw new Error(`${this.spec.name} exited with ${this.child.exitCode}: ${this.stderr}\n${this.tail()}`);
      }
      if (Date.now() > deadline) {
        // Timers run before I/O callbacks: after this process was busy, the timer can fire before the child's
        // pending output is read. Let that output in once before giving up.
        await new Promise((r) => setImmediate(r));
        const late = this.logs.slice(from).find(pred);
        if (late) return late;
        throw new Error(`${this.spec.name}: no matching log line within ${timeoutMs} ms\n${this.tail()}\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  tail(n = 15): string {
    return this.logs.slice(-n).map((l) => JSON.stringify(l)).join("\n");
  }

  /** Sends a signal (default SIGTERM: graceful) and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    await this.exited;
  }

  get exitCode(): number | null | undefined {
    return this.child?.exitCode;
  }

  get signalCode(): NodeJS.Signals | null | undefined {
    return this.child?.signalCode;
  }

  errors(): LogLine[] {
    return this.logs.filter((l) => l.level === "error");
  }
}
