import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../keeper/config/load.js";
import { ConfigError } from "../../keeper/config/validate.js";

const ORACLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    chainId: 31337,
    rpc: { urls: ["http://127.0.0.1:8545"] },
    contracts: { oracle: ORACLE },
    indexes: ["ATPI"],
    keys: { signer: { keystore: "keys/signer.json" }, passwordFile: "secrets/password" },
    gas: { maxFeePerGasGwei: "50" },
    ...overrides,
  };
}

function writeConfig(value: unknown, env = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "keeper-config-"));
  const path = join(dir, "keeper.json");
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  writeFileSync(join(dir, ".env"), env);
  return path;
}

/** The issues of a failing load, as "key: problem" strings. */
function issuesOf(path: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(path, { env });
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).issues.map((i) => `${i.key}: ${i.problem}`);
  }
  throw new Error("config was accepted");
}

describe("keeper config", () => {
  it("loads a minimal config with defaults, exact fee units and paths relative to the file", () => {
    const path = writeConfig(minimal());
    const { config } = loadConfig(path, { env: {} });
    expect(config.gas.maxFeePerGasGwei).to.equal(50_000_000_000n);
    expect(config.gas.priorityFeeGwei).to.equal(1_000_000_000n);
    expect(config.gas.bumpPercent).to.equal(20);
    expect(config.rpc.timeoutMs).to.equal(5_000);
    expect(config.health.minGasBalanceEth).to.equal(50_000_000_000_000_000n);
    expect(config.server).to.deep.equal({ host: "127.0.0.1", port: 9464 });
    const dir = path.slice(0, -"keeper.json".length);
    expect(config.keys.signer).to.deep.equal({ keystore: join(dir, "keys/signer.json") });
    expect(config.keys.passwordFile).to.equal(join(dir, "secrets/password"));
    expect(config.dataDir).to.equal(join(dir, "keeper-data"));
    expect(config.dryRun).to.equal(false);
  });

  it("substitutes ${VAR} from .env, with the process environment taking precedence", () => {
    const path = writeConfig(
      minimal({ rpc: { urls: ["${RPC_A}", "${RPC_B}"] } }),
      "RPC_A=http://a.example:8545\nRPC_B=http://from-dotenv.example\n",
    );
    const { config } = loadConfig(path, { env: { RPC_B: "https://b.example/v3/abc" } });
    expect(config.rpc.urls).to.deep.equal(["http://a.example:8545", "https://b.example/v3/abc"]);
  });

  it("--dry-run and KEEPER_DRY_RUN override the file", () => {
    const path = writeConfig(minimal());
    expect(loadConfig(path, { env: {}, overrides: { dryRun: true } }).config.dryRun).to.equal(true);
    expect(loadConfig(path, { env: { KEEPER_DRY_RUN: "true" } }).config.dryRun).to.equal(true);
  });

  it("names the key and the problem for each bad value, all at once", () => {
    const path = writeConfig(
      minimal({
        rpc: { urls: ["http://127.0.0.1:8545", "ftp://x"], timeoutMs: 5 },
        contracts: { oracle: "0x5fbDB2315678afecb367f032d93F642f64180aa3" },
        gas: { maxFeePerGasGwei: 50, bumpPercent: 5 },
        gass: {},
      }),
    );
    const issues = issuesOf(path);
    expect(issues).to.include("rpc.urls[1]: must use http: or https:, got ftp:");
    expect(issues).to.include("rpc.timeoutMs: must be >= 100, got 5");
    expect(issues.some((i) => i.startsWith("contracts.oracle: has a bad EIP-55 checksum"))).to.equal(true);
    expect(issues.some((i) => i.startsWith("gas.maxFeePerGasGwei: must be a decimal string in gwei"))).to.equal(true);
    expect(issues).to.include("gas.bumpPercent: must be >= 10, got 5");
    expect(issues.some((i) => i.startsWith("gass: unknown key"))).to.equal(true);
  });

  it("reports missing required keys and malformed nested values", () => {
    const cfg = minimal({ indexes: [], keys: { signer: {} } });
    delete cfg.chainId;
    const issues = issuesOf(writeConfig(cfg));
    expect(issues).to.include("chainId: is required");
    expect(issues).to.include("indexes: must have at least 1 item(s), got 0");
    expect(issues).to.include('keys.signer: needs exactly one of "keystore" (file path) or "privateKeyEnv" (env var name)');
  });

  it("accepts a plain private key only on a local chain id", () => {
    const local = writeConfig(minimal({ keys: { signer: { privateKeyEnv: "OPERATOR_KEY" } } }));
    expect(loadConfig(local, { env: {} }).config.keys.signer).to.deep.equal({ privateKeyEnv: "OPERATOR_KEY" });
    const remote = writeConfig(minimal({ chainId: 11155111, keys: { signer: { privateKeyEnv: "OPERATOR_KEY" } } }));
    const [issue] = issuesOf(remote);
    expect(issue).to.match(/^keys\.signer\.privateKeyEnv: a plain private key is accepted only on local chains/);
  });

  it("rejects cross-field contradictions: priority fee above the cap, skew not below the interval", () => {
    const path = writeConfig(
      minimal({ gas: { maxFeePerGasGwei: "2", priorityFeeGwei: "3" }, schedule: { intervalSeconds: 60, maxFutureSkewSeconds: 60 } }),
    );
    expect(issuesOf(path)).to.deep.equal([
      "gas.priorityFeeGwei: must not exceed gas.maxFeePerGasGwei",
      "schedule.maxFutureSkewSeconds: must be smaller than schedule.intervalSeconds",
    ]);
  });

  it("names an unset environment variable and the key that uses it", () => {
    const path = writeConfig(minimal({ rpc: { urls: ["${NOT_SET_ANYWHERE}"] } }));
    expect(issuesOf(path)).to.deep.equal(["rpc.urls[0]: refers to environment variable NOT_SET_ANYWHERE, which is not set"]);
  });

  it("stops on a file that is not JSON, naming the file", () => {
    const path = writeConfig("{ chainId: 1 ");
    expect(() => loadConfig(path, { env: {} })).to.throw(ConfigError, /keeper\.json[\s\S]*is not valid JSON/);
  });

  it("rejects too many decimals and bad log levels", () => {
    const path = writeConfig(minimal({ gas: { maxFeePerGasGwei: "1.0000000001" }, logLevel: "verbose" }));
    expect(issuesOf(path)).to.deep.equal([
      "gas.maxFeePerGasGwei: has more than 9 decimals (gwei): 1.0000000001",
      "logLevel: must be one of debug, info, warn, error, got \"verbose\"",
    ]);
  });
});
