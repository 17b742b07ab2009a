/**
 * `npm run app`: with no arguments, starts the dev chain with live keepers (`npm run devchain -- --keepers`) and
 * serves the trader app for it on http://127.0.0.1:5173; with --rpc and --deployment, serves the same app against
 * any chain. Ctrl-C stops the server (and the dev chain it started).
 *   npm run app -- [--port 5173] [--chain-port 8545]
 *   npm run app -- --rpc <url> --deployment <deployments/<chainId>.json> [--port 5173]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readDeployment } from "../sdk/deployment.js";
import { serveApp } from "./server.js";

const USAGE = "usage: npm run app -- [--port <n>] [--chain-port <n>]   |   npm run app -- --rpc <url> --deployment <file> [--port <n>]";
const DEVCHAIN = fileURLToPath(new URL("../scripts/devchain.ts", import.meta.url));

function fail(message: string): never {
  console.error(`app: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: { port: { type: "string", default: "5173" }, "chain-port": { type: "string", default: "8545" }, rpc: { type: "string" }, deployment: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0..65535, got ${values.port}`);
if ((values.rpc === undefined) !== (values.deployment === undefined)) fail("give both --rpc and --deployment, or neither (then a dev chain starts)");

/** Starts `devchain --keepers` as a child and resolves once it is ready, with its RPC URL and deployment file. */
function startDevchain(chainPort: string): Promise<{ child: ChildProcess; rpcUrl: string; file: string }> {
  const out = mkdtempSync(join(tmpdir(), "app-devchain-"));
  const child = spawn(process.execPath, ["--import", "tsx", DEVCHAIN, "--port", chainPort, "--out", out, "--keepers"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (d: Buffer) => {
      process.stdout.write(d);
      text += d.toString();
      if (text.includes("devchain ready")) {
        const rpcUrl = /RPC URL +(\S+)/.exec(text)?.[1];
        const file = readdirSync(out).find((f) => f.endsWith(".json"));
        if (rpcUrl && file) resolve({ child, rpcUrl, file: join(out, file) });
      }
    });
    child.once("exit", (code) => reject(new Error(`the dev chain exited with ${code}`)));
  });
}

const chain = values.rpc ? undefined : await startDevchain(values["chain-port"]).catch((e: Error) => fail(e.message));
const rpcUrl = values.rpc ?? (chain?.rpcUrl as string);
const deployment = readDeployment(values.deployment ?? (chain?.file as string));
const server = await serveApp({ rpcUrl, deployment, port });
console.log(`\ntokenfutures app: ${server.url}  (market ${deployment.market} on chain ${deployment.chainId} via ${rpcUrl})`);
if (chain) console.log(`fast-forward: npm run devchain -- advance --rpc ${rpcUrl} --days 1   (or --deployment ${chain.file} --to expiry|settlement)`);
console.log("Ctrl-C stops it.");
const stop = async () => {
  await server.close();
  if (chain && chain.child.exitCode === null) {
    const exited = new Promise((r) => chain.child.once("exit", r));
    chain.child.kill("SIGINT");
    await exited;
  }
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
