// Breaks the gas of fill, fill_open and match down by opcode class (debug_traceTransaction struct logs):
// `npx hardhat run scripts/bench/trace-gas-market.ts`. A diagnostic for gas work, not part of `bench:gas`.
import type { Hash } from "viem";
import { network } from "hardhat";
import { measureMarketGas } from "./gas-market.js";

interface StructLog { op: string; gasCost: number; depth: number }
const TRACED = new Set(["fill", "fill_open", "match"]);

const { viem } = await network.create();
const publicClient = await viem.getPublicClient();
const reports: string[] = [];
await measureMarketGas(viem, async (name: string, hash: Hash) => {
  if (!TRACED.has(name)) return;
  const trace = (await publicClient.request({
    method: "debug_traceTransaction" as never,
    params: [hash, { disableStack: true, disableMemory: true, disableStorage: true }] as never,
  })) as { gas: number; structLogs: StructLog[] };
  const byOp = new Map<string, number>();
  let execution = 0;
  for (const log of trace.structLogs) {
    // A CALL-family cost includes the gas forwarded to the callee, which the callee's own steps account for.
    const cost = ["CALL", "STATICCALL", "DELEGATECALL"].includes(log.op) ? 0 : log.gasCost;
    const key = ["SLOAD", "SSTORE", "STATICCALL", "LOG3", "LOG4", "KECCAK256", "TLOAD", "TSTORE"].includes(log.op)
      ? log.op
      : log.op.startsWith("PUSH") || log.op.startsWith("DUP") || log.op.startsWith("SWAP") ? "stack" : "other";
    byOp.set(key, (byOp.get(key) ?? 0) + cost);
    execution += cost;
  }
  const calls = trace.structLogs.filter((l) => ["CALL", "STATICCALL"].includes(l.op));
  const lines = [...byOp.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${k.padEnd(12)} ${v}`);
  reports.push(`${name}: total ${trace.gas}, execution steps ~${execution}, calls ${calls.map((c) => `${c.op}:${c.gasCost}`).join(" ")}\n${lines.join("\n")}`);
});
console.log(reports.join("\n"));
