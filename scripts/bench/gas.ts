// Gas per operation, whole transaction (21k base included), on Hardhat's in-process chain.
// `npm run bench:gas` writes bench/gas.json and prints a table with the targets of the issues.
import { mkdirSync, writeFileSync } from "node:fs";
import { network } from "hardhat";
import { BENCH_GENESIS, measureMarketGas } from "./gas-market.js";
import { measureOracleGas } from "./gas-oracle.js";

const TARGETS: Record<string, bigint> = {
  deposit: 60_000n,
  withdraw: 65_000n,
  fill: 100_000n,
  fill_open: 135_000n,
  match: 135_000n,
  cancel: 50_000n,
  post_fixing_5: 70_000n,
  liquidate: 90_000n,
  claim: 45_000n,
};

const { viem } = await network.create({ override: { initialDate: BENCH_GENESIS } });
const results: Record<string, bigint> = {
  ...(await measureMarketGas(viem)),
  ...(await measureOracleGas(viem)),
};

const names = Object.keys(results).sort();
const json: Record<string, number> = {};
for (const name of names) json[name] = Number(results[name]);
mkdirSync("bench", { recursive: true });
writeFileSync("bench/gas.json", JSON.stringify(json, null, 2) + "\n");

console.log("operation            gas      target");
let over = 0;
for (const name of names) {
  const gas = results[name]!;
  const target = TARGETS[name];
  const mark = target === undefined ? "" : gas <= target ? `<= ${target}` : `OVER ${target}`;
  if (target !== undefined && gas > target) over++;
  console.log(`${name.padEnd(20)} ${gas.toString().padStart(7)}  ${mark}`);
}
console.log(`wrote bench/gas.json (${names.length} operations, ${over} over target)`);
