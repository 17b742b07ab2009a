import { createRequire } from "node:module";
import { config as loadDotenv } from "dotenv";
import { configVariable, defineConfig } from "hardhat/config";
import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatVerify from "@nomicfoundation/hardhat-verify";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";

// Offline compiler: the wasm build from the npm `solc` package (see docs/toolchain.md).
const require = createRequire(import.meta.url);
// .env (if any) for the deployment settings below (RPC_URL, DEPLOYER_PRIVATE_KEY, ETHERSCAN_API_KEY); the environment wins.
loadDotenv({ quiet: true });

const compilers = [
      {
        version: require("solc/package.json").version,
        path: require.resolve("solc/soljson.js"),
        settings: {
          // 500 runs for every contract: FuturesMarket with the price limit and final settlement is 24,400 bytes, under
          // the 24,576-byte limit (EIP-170); at 850 runs it is about 25.5 KB and at 1,000 runs 25.8 KB.
          optimizer: { enabled: true, runs: 500 },
          // Via IR everywhere: the market's trade path (pool word and position fields held on the stack across
          // both legs) exceeds the legacy pipeline's stack limit, and the Solidity tests must compile the same code.
          viaIR: true,
          evmVersion: "cancun",
          // No metadata hash in the bytecode (as Uniswap v4-core): 40 bytes the market needs under EIP-170. Explorers
          // still verify from the sources and these settings (hardhat-verify sends both).
          metadata: { bytecodeHash: "none" },
        },
      },
    ];

export default defineConfig({
  plugins: [hardhatMocha, hardhatViem, hardhatViemAssertions, hardhatNetworkHelpers, hardhatIgnitionViem, hardhatVerify],
  // Deployment (docs/developers.md): `npx hardhat ignition deploy ignition/modules/Series.ts --network testnet
  // --parameters ignition/parameters/testnet.json --verify`. Values come from .env (or the environment); they are
  // read only when a command uses the network or the explorer.
  networks: {
    testnet: {
      type: "http",
      chainType: "l1",
      url: configVariable("RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    localhost: {
      type: "http",
      url: process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545",
    },
    // `npm run deploy` (scripts/lib/ignitionDeploy.ts) connects here with the url and the deployer key of its .env
    // settings (the key from a keystore), so nothing of it is read from this file.
    deploy: {
      type: "http",
      url: "http://127.0.0.1:8545",
    },
  },
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
  // The same compiler settings for the default build and the production one (`hardhat ignition deploy` builds
  // with the production profile, which would otherwise drop viaIR and fail with "stack too deep").
  solidity: {
    profiles: {
      default: { compilers },
      production: { compilers },
    },
  },
  paths: {
    tests: { mocha: "test", solidity: "test/solidity" },
  },
  test: {
    mocha: { timeout: 120_000 },
    solidity: {
      profiles: {
        // Normal test command: moderate runs so the whole suite stays within minutes on 2 cores.
        default: {
          fuzz: { runs: 256, seed: "0x7f0c" },
          invariant: { runs: 64, depth: 32, failOnRevert: false },
        },
        // `npm run test:deep`: 10k fuzz runs, invariants 256 x 100.
        deep: {
          fuzz: { runs: 10_000, seed: "0x7f0c" },
          invariant: { runs: 256, depth: 100, failOnRevert: false },
        },
      },
    },
  },
});
