import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tsx keeper/cli.ts <args>` as a child process: through `npx tsx` (the `npm run keeper --` path)
 * when `viaNpx`, else through the same tsx with this Node 24 directly (saves ~1.5 s of npx start-up).
 */
function keeper(args: string[], viaNpx = false): Promise<Run> {
  const [cmd, pre] = viaNpx ? ["npx", ["tsx"]] : [process.execPath, [TSX_CLI]];
  return new Promise((resolve) => {
    execFile(cmd, [...pre, "keeper/cli.ts", ...args], { env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr: stderr.split("\n").filter((l) => !l.startsWith("npm warn")).join("\n") });
    });
  });
}

const RAW = "data/llm-prices/litellm_prices_2026-03-29.json.gz";
const TMP = mkdtempSync(join(tmpdir(), "tf-cli-"));
const CHAIN_ATPI = join(TMP, "atpi-chain.json");
const GPUH_STATE = join(TMP, "gpuh-state.json");
writeFileSync(CHAIN_ATPI, JSON.stringify({ ...(JSON.parse(readFileSync("config/indices/atpi.json", "utf8")) as object), methodologyVersion: 1, linking: "chain" }));
// GPUH as of 2025-06-01: a100 1.24, h100 2.59, h200 3.59 (the sample CSV), level 2.0
writeFileSync(
  GPUH_STATE,
  JSON.stringify({
    timestamp: 1748736000,
    level: "2000000000000000000",
    bases: {
      "previous-gen": { model: "a100-80gb", price: "1240000000000000000" },
      "current-gen": { model: "h100-80gb", price: "2590000000000000000" },
      frontier: { model: "h200-141gb", price: "3590000000000000000" },
    },
  }),
);
const RUNS = {
  litellmJson: ["fixing", "--index", "ATPI", "--source", "litellm-json", "--input", RAW, "--at", "2026-03-29T12:00:00Z", "--json"],
  litellmJsonV1: ["fixing", "--index", "ATPI", "--source", "litellm-json", "--input", RAW, "--at", "2026-03-29T12:00:00Z", "--methodology-version", "1", "--json"],
  litellmTable: ["fixing", "--index", "ATPI", "--source", "litellm-json", "--input", RAW, "--at", "2026-03-29T12:00:00Z"],
  litellmTableV1: ["fixing", "--index", "ATPI", "--source", "litellm-json", "--input", RAW, "--at", "2026-03-29T12:00:00Z", "--methodology-version", "1"],
  badVersion: ["fixing", "--index", "ATPI", "--source", "replay", "--methodology-version", "7"],
  replay: ["fixing", "--index", "ATPI", "--source", "replay", "--at", "2025-06-01T00:00:00Z", "--json"],
  openrouter: ["fixing", "--index", "ATPI", "--source", "openrouter-json", "--input", "test/keeper/fixtures/openrouter-models.json", "--at", "2025-03-01T00:00:00Z", "--json"],
  csvChain: ["fixing", "--index", "GPUH", "--source", "csv", "--input", "data/gpu-hours/sample.csv", "--at", "2025-06-01T00:00:00Z", "--json"],
  chainReplay: ["fixing", "--index", CHAIN_ATPI, "--source", "replay", "--at", "2026-03-29T12:00:00Z", "--json"],
  chainPrevious: ["fixing", "--index", "GPUH", "--source", "csv", "--input", "data/gpu-hours/sample.csv", "--at", "2026-06-01T00:00:00Z", "--previous", GPUH_STATE, "--json"],
  noIndex: ["fixing", "--source", "replay"],
  badSource: ["fixing", "--index", "ATPI", "--source", "bloomberg"],
  badAt: ["fixing", "--index", "ATPI", "--source", "replay", "--at", "yesterday"],
  noInput: ["fixing", "--index", "ATPI", "--source", "litellm-json"],
  unknownFlag: ["fixing", "--index", "ATPI", "--source", "replay", "--fast"],
  missingFile: ["fixing", "--index", "ATPI", "--source", "litellm-json", "--input", "nope.json", "--at", "2026-01-01"],
  unknownIndex: ["fixing", "--index", "NOPE", "--source", "replay", "--at", "2026-01-01"],
  unknownCommand: ["frobnicate"],
  noCommand: [],
} as const;

describe("keeper CLI: fixing", function () {
  this.timeout(180_000);
  const out: Partial<Record<keyof typeof RUNS, Run>> = {};
  before(async () => {
    // two runs at a time (each pays the tsx start-up); the exact command of the issue goes through npx
    const queue = Object.entries(RUNS) as [keyof typeof RUNS, readonly string[]][];
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) out[next[0]] = await keeper([...next[1]], next[0] === "litellmJson");
    };
    await Promise.all([worker(), worker()]);
  });
  const get = (k: keyof typeof RUNS): Run => {
    const r = out[k];
    if (r === undefined) throw new Error(`no run ${k}`);
    return r;
  };

  it("prints one JSON object with the fields others rely on (exact form of the issue); ATPI defaults to methodology v2", () => {
    const r = get("litellmJson");
    expect(r.code, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).to.include({
      indexId: "0x4154504900000000000000000000000000000000000000000000000000000000",
      timestamp: 1774785600,
      value: "3123250000000000000",
      valueDecimal: "3.12325",
      methodologyVersion: 2,
      referenceTime: null,
    });
    expect(j["inputsHash"]).to.match(/^0x[0-9a-f]{64}$/);
    const slots = j["slots"] as Record<string, unknown>[];
    expect(slots.map((s) => s["id"])).to.have.length(8);
    const llama = slots.find((s) => s["id"] === "llama-3.3-70b") as Record<string, unknown>;
    // one vote per company: cerebras' two keys count once, wandb's 71000 is one vote of 15 (median 0.72)
    expect(llama).to.include({ weight: "10", model: "llama-3.3-70b", price: "720000000000000000" });
    expect((llama["quotes"] as unknown[])[0]).to.have.all.keys("poll", "provider", "model", "input", "output", "blend");
    const votes = (llama["votes"] as { votes: { company: string }[] }[])[0]?.votes ?? [];
    expect(votes).to.have.length(15);
    expect(j["successions"]).to.deep.include({
      slot: "openai-flagship",
      identity: "openai-flagship@5.4",
      companies: 2,
      listedSince: null,
      entersAt: null,
      decision: "not eligible: 2 of 3 companies",
    });
  });

  it("--methodology-version 1 reproduces v1 (same fields, v1 value and outlier exclusions)", () => {
    const r = get("litellmJsonV1");
    expect(r.code, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).to.include({ value: "3122750000000000000", valueDecimal: "3.12275", methodologyVersion: 1 });
    const llama = (j["slots"] as Record<string, unknown>[]).find((s) => s["id"] === "llama-3.3-70b") as Record<string, unknown>;
    expect(llama).to.include({ price: "715000000000000000" });
    expect(llama["excluded"]).to.deep.equal([
      {
        poll: 0,
        provider: "wandb",
        model: "wandb/meta-llama/Llama-3.3-70B-Instruct",
        input: "71000",
        output: "71000",
        blend: "71000",
        reason: "outlier: blend 71000 > 5 x median 0.72",
      },
    ]);
    expect(get("badVersion").code).to.equal(1);
    expect(get("badVersion").stderr).to.match(/this engine computes versions 1, 2, got 7/);
  });

  it("prints a readable table without --json (v2: votes, reference, succession candidates)", () => {
    const r = get("litellmTable");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^ATPI \(USD per 1M tokens.*\[methodology v2, tier\]/);
    expect(r.stdout).to.match(/llama-3\.3-70b\s+10\s+llama-3\.3-70b\s+0\.72\s+15\s+0\s+15\s+-/);
    expect(r.stdout).to.include("value 3.12325 (3123250000000000000 at 18 decimals)");
    expect(r.stdout).to.include("reference state: none");
    expect(r.stdout).to.include("openai-flagship: openai-flagship@5.4 (2 companies): not eligible: 2 of 3 companies");
    const v1 = get("litellmTableV1");
    expect(v1.stdout).to.match(/llama-3\.3-70b\s+10\s+llama-3\.3-70b\s+0\.715\s+14\s+1$/m);
    expect(v1.stdout).to.include("wandb wandb/meta-llama/Llama-3.3-70B-Instruct: outlier");
  });

  it("replays the bundled history (no --input) and runs the chain-linked GPUH index from CSV", () => {
    const r = get("replay");
    expect(r.code, r.stderr).to.equal(0);
    // v2 over the replay folds the history from the first snapshot (each fixing the reference of the next)
    expect(JSON.parse(r.stdout)).to.include({ valueDecimal: "2.684625", timestamp: 1748736000, methodologyVersion: 2 });
    const g = get("csvChain");
    expect(g.code, g.stderr).to.equal(0);
    const gj = JSON.parse(g.stdout) as Record<string, unknown>;
    expect(gj).to.include({ valueDecimal: "2.5025", linking: "chain" });
    expect(gj["chainState"]).to.deep.include({ level: "2502500000000000000" });
  });

  it("chain-linked: replay chains from the first snapshot; --previous carries the state across a succession without a jump", () => {
    const r = get("chainReplay");
    expect(r.code, r.stderr).to.equal(0);
    expect((JSON.parse(r.stdout) as { valueDecimal: string }).valueDecimal.slice(0, 8)).to.equal("3.155019");
    const g = get("chainPrevious");
    expect(g.code, g.stderr).to.equal(0);
    const j = JSON.parse(g.stdout) as { valueDecimal: string; chainState: { bases: Record<string, { model: string }> }; slots: { link?: { relative: string } }[] };
    // in 2026 every slot moves to a dearer GPU, but each relative compares the old GPU with itself: level stays 2
    expect(j.valueDecimal).to.equal("2");
    expect(j.slots.map((x) => x.link?.relative)).to.deep.equal(["1", "1", "1"]);
    expect(Object.values(j.chainState.bases).map((b) => b.model)).to.deep.equal(["h100-80gb", "h200-141gb", "b200-180gb"]);
  });

  it("exits non-zero on no fixing, still printing the report with noFixingReason", () => {
    const r = get("openrouter");
    expect(r.code).to.equal(1);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j["value"]).to.equal(null);
    expect(j["noFixingReason"]).to.deep.include({ code: "INSUFFICIENT_PRICED_WEIGHT", pricedWeight: "20" });
    expect(r.stderr).to.match(/no fixing for ATPI at 2025-03-01T00:00:00.000Z: priced weight 20 of 100 is below the required share 0.6/);
  });

  it("rejects bad arguments with a clear message, the usage and exit code 2", () => {
    const cases: [keyof typeof RUNS, RegExp][] = [
      ["noIndex", /--index is required/],
      ["badSource", /--source must be one of litellm-json, openrouter-json, csv, replay, got "bloomberg"/],
      ["badAt", /--at must be an ISO-8601 time/],
      ["noInput", /--source litellm-json needs --input/],
      ["unknownFlag", /Unknown option '--fast'/],
      ["unknownCommand", /unknown subcommand "frobnicate"/],
    ];
    for (const [k, message] of cases) {
      const r = get(k);
      expect(r.code, k).to.equal(2);
      expect(r.stderr, k).to.match(message);
      expect(r.stderr, k).to.match(/usage: (npm run keeper --|tokenfutures-keeper <subcommand>)/);
    }
    expect(get("noCommand").code).to.equal(2);
    expect(get("noCommand").stdout).to.match(/subcommands:\n(\s+\S+\s+.*\n)*\s+fixing\s+compute one index fixing/);
  });

  it("reports an unreadable source or unknown index with exit code 1 and no stack trace", () => {
    for (const [k, message] of [
      ["missingFile", /keeper fixing: source nope.json: cannot read: ENOENT/],
      ["unknownIndex", /keeper fixing: index "NOPE": no definition file/],
    ] as const) {
      const r = get(k);
      expect(r.code, k).to.equal(1);
      expect(r.stderr, k).to.match(message);
      expect(r.stderr, k).to.not.match(/\n\s+at /);
    }
  });
});
