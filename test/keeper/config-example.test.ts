import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { loadConfig, readEnvFile } from "../../keeper/config/load.js";
import { ConfigError } from "../../keeper/config/validate.js";
import { validateConfig } from "../../keeper/config/schema.js";

const EXAMPLE = fileURLToPath(new URL("../../config/keeper.example.json", import.meta.url));
const ENV_EXAMPLE = fileURLToPath(new URL("../../.env.example", import.meta.url));

describe("keeper example config and fixing-loop keys", () => {
  it("config/keeper.example.json is valid with the variables of .env.example", () => {
    const { config } = loadConfig(EXAMPLE, { envFile: ENV_EXAMPLE, env: {} });
    expect(config.sources).to.deep.equal([{ index: "ATPI", kind: "replay" }]);
    expect(config.schedule.postStaggerMs).to.equal(5_000);
    expect(config.peers.urls).to.have.length(3); // the default deployment: 4 operators, f = 1
    expect(config.peers.gatherMs).to.equal(3_000);
    expect(config.integrity).to.deep.equal({ maxMoveVsLastBps: 5_000, maxPeerDeviationBps: 50 });
    expect(Object.keys(readEnvFile(ENV_EXAMPLE))).to.include.members(["KEEPER_SIGNER_KEY", "KEEPER_RPC_URL", "KEEPER_ORACLE_ADDRESS"]);
  });

  it("names the key of every bad source or settlement entry", () => {
    const base = {
      chainId: 31337,
      rpc: { urls: ["http://127.0.0.1:8545"] },
      contracts: { oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      indexes: ["ATPI"],
      keys: { signer: { privateKeyEnv: "K" } },
      gas: { maxFeePerGasGwei: "1" },
    };
    const problems = (extra: object) => {
      try {
        validateConfig({ ...base, ...extra });
        return [];
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.issues.map((i) => i.key);
      }
    };
    expect(problems({ sources: [{ index: "GPUH", kind: "replay" }] })).to.deep.equal(["sources[0].index"]);
    expect(problems({ sources: [{ index: "ATPI", kind: "csv" }] })).to.deep.equal(["sources[0].input"]);
    expect(problems({ sources: [{ index: "ATPI", kind: "replay" }, { index: "ATPI", kind: "replay" }] })).to.deep.equal(["sources[1].index"]);
    const series = {
      index: "ATPI", expiry: 1_800_000_000, contractSize: "1", tickSize: "0.01", minSize: 1, initialMarginBps: 1000,
      maintenanceMarginBps: 500, makerFeeBps: 2, takerFeeBps: 5, priceBandBps: 500, priceLimitBps: 400, liquidationPenaltyBps: 100, maxFixingAge: 7200,
      settlementWindow: 86_400, settlementGrace: 604_800,
    };
    expect(problems({ settlement: [series] })).to.deep.equal(["contracts.market"]);
    expect(problems({ settlement: [{ ...series, tickSize: "-1" }], contracts: { ...base.contracts, market: base.contracts.oracle } })).to.deep.equal(["settlement[0].tickSize"]);
    expect(problems({ schedule: { intervalSeconds: 10, windowPolls: 20, maxFutureSkewSeconds: 5 } })).to.deep.equal(["schedule.windowPolls"]);
  });

  it("K07: integrity limits and the gathering time have validated defaults", () => {
    const base = {
      chainId: 31337,
      rpc: { urls: ["http://127.0.0.1:8545"] },
      contracts: { oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      indexes: ["ATPI"],
      keys: { signer: { privateKeyEnv: "K" } },
      gas: { maxFeePerGasGwei: "1" },
    };
    const cfg = validateConfig(base);
    expect(cfg.integrity).to.deep.equal({ maxMoveVsLastBps: 5_000, maxPeerDeviationBps: 50 });
    expect(cfg.peers.gatherMs).to.equal(3_000);
    expect(validateConfig({ ...base, integrity: { maxPeerDeviationBps: 10 } }).integrity).to.deep.equal({ maxMoveVsLastBps: 5_000, maxPeerDeviationBps: 10 });
    const keys = (extra: object) => {
      try {
        validateConfig({ ...base, ...extra });
        return [];
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.issues.map((i) => i.key);
      }
    };
    expect(keys({ integrity: { maxMoveVsLastBps: 0 } })).to.deep.equal(["integrity.maxMoveVsLastBps"]);
    expect(keys({ integrity: { maxPeerDeviationBps: 1.5 } })).to.deep.equal(["integrity.maxPeerDeviationBps"]);
    expect(keys({ integrity: { maxMoveVsLstBps: 100 } })).to.deep.equal(["integrity.maxMoveVsLstBps"]); // a typo is an error
    expect(keys({ peers: { gatherMs: -1 } })).to.deep.equal(["peers.gatherMs"]);
  });
});
