// Gas of the FuturesMarket operations only (no file written): `npx hardhat run scripts/bench/run-gas-market.ts`.
import { network } from "hardhat";
import { measureMarketGas } from "./gas-market.js";

const { viem } = await network.create();
const results = await measureMarketGas(viem);
for (const name of Object.keys(results).sort()) console.log(`${name.padEnd(20)} ${results[name]!.toString().padStart(7)}`);
