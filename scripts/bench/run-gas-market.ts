// Prints the FuturesMarket gas table: `npx hardhat run scripts/bench/run-gas-market.ts`.
import { network } from "hardhat";
import { measureMarketGas } from "./gas-market.js";

const { viem } = await network.create();
for (const [name, gas] of Object.entries(await measureMarketGas(viem))) console.log(name.padEnd(16), gas.toString());
