// Breaks the gas of fill, fill_open and match down by opcode class and by Solidity source line of FuturesMarket
// (debug_traceTransaction struct logs mapped through the compiler's source map):
// `npx hardhat run scripts/bench/trace-gas-market.ts`. A diagnostic for gas work, not part of `bench:gas`.
// Via-IR inlines freely, so a line's figure is the gas of the instructions the compiler attributed to it.
import { readFile } from "node:fs/promises";
import type { Hash } from "viem";
import { network } from "hardhat";
import { BENCH_GENESIS, measureMarketGas } from "./gas-market.js";

interface StructLog { op: string; gasCost: number; depth: number; pc: number }
const TRACED = new Set(["fill", "fill_open", "match"]);
const TOP_LINES = Number(process.env.TRACE_TOP ?? 25);

/** pc -> "file:line" for the deployed FuturesMarket, from its build-info source map. */
async function sourceLines(): Promise<Map<number, string>> {
  const artifact = JSON.parse(await readFile("artifacts/contracts/futures/FuturesMarket.sol/FuturesMarket.json", "utf8"));
  const input = JSON.parse(await readFile(`artifacts/build-info/${artifact.buildInfoId}.json`, "utf8"));
  const output = JSON.parse(await readFile(`artifacts/build-info/${artifact.buildInfoId}.output.json`, "utf8"));
  const compiled = output.output.contracts[artifact.inputSourceName].FuturesMarket.evm.deployedBytecode;
  const fileById = new Map<number, string>();
  for (const [name, source] of Object.entries(output.output.sources as Record<string, { id: number }>)) fileById.set(source.id, name);
  const lineStarts = new Map<string, number[]>();
  const lineOf = (file: string, offset: number): number => {
    let starts = lineStarts.get(file);
    if (!starts) {
      const text: string = input.input.sources[file]?.content ?? "";
      starts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
      lineStarts.set(file, starts);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  // Instruction index -> pc (PUSHn carries n immediate bytes).
  const code = Buffer.from(compiled.object, "hex");
  const pcs: number[] = [];
  for (let pc = 0; pc < code.length; pc++) {
    pcs.push(pc);
    const op = code[pc]!;
    if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f;
  }
  const byPc = new Map<number, string>();
  let [s, l, f] = [0, 0, -1];
  (compiled.sourceMap as string).split(";").forEach((entry, i) => {
    const parts = entry.split(":");
    if (parts[0]) s = Number(parts[0]);
    if (parts[1]) l = Number(parts[1]);
    if (parts[2]) f = Number(parts[2]);
    const file = fileById.get(f);
    const pc = pcs[i];
    if (pc === undefined) return;
    byPc.set(pc, file ? `${file.replace(/^project\//, "").replace(/^npm\//, "")}:${lineOf(file, s)}` : "(generated)");
    void l;
  });
  return byPc;
}

const { viem } = await network.create({ override: { initialDate: BENCH_GENESIS } });
const publicClient = await viem.getPublicClient();
const lines = await sourceLines();
const reports: string[] = [];
await measureMarketGas(viem, async (name: string, hash: Hash) => {
  if (!TRACED.has(name)) return;
  const trace = (await publicClient.request({
    method: "debug_traceTransaction" as never,
    params: [hash, { disableStack: true, disableMemory: true, disableStorage: true }] as never,
  })) as { gas: number; structLogs: StructLog[] };
  const byOp = new Map<string, number>();
  const byLine = new Map<string, number>();
  let execution = 0;
  for (const log of trace.structLogs) {
    // A CALL-family cost includes the gas forwarded to the callee, which the callee's own steps account for.
    const cost = ["CALL", "STATICCALL", "DELEGATECALL"].includes(log.op) ? 0 : log.gasCost;
    const key = ["SLOAD", "SSTORE", "STATICCALL", "LOG3", "LOG4", "KECCAK256", "TLOAD", "TSTORE"].includes(log.op)
      ? log.op
      : log.op.startsWith("PUSH") || log.op.startsWith("DUP") || log.op.startsWith("SWAP") ? "stack" : "other";
    byOp.set(key, (byOp.get(key) ?? 0) + cost);
    execution += cost;
    // Computation only (storage, logs and hashing are listed above): where the market's own steps spend gas.
    if (log.depth === 1 && (key === "stack" || key === "other")) {
      const line = lines.get(log.pc) ?? "(unmapped)";
      byLine.set(line, (byLine.get(line) ?? 0) + cost);
    }
  }
  const calls = trace.structLogs.filter((l) => ["CALL", "STATICCALL"].includes(l.op));
  const opLines = [...byOp.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${k.padEnd(12)} ${v}`);
  const top = [...byLine.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_LINES).map(([k, v]) => `    ${String(v).padStart(6)}  ${k}`);
  reports.push(
    `${name}: total ${trace.gas}, execution steps ~${execution}, calls ${calls.map((c) => `${c.op}:${c.gasCost}`).join(" ")}\n` +
      `${opLines.join("\n")}\n  computation by source line (market frame, top ${TOP_LINES}):\n${top.join("\n")}`,
  );
});
console.log(reports.join("\n"));
