/**
 * Operator faults, review 10: the host clock stepped back while a round gathers (an NTP correction, a VM resumed, a
 * hand-set date). Rounds come from chain time (K06); the gathering and the post stagger are waits, and a wait must
 * not grow by the size of the step.
 */
import { expect } from "chai";
import type { LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { indexIdFromName } from "../../sdk/oracle.js";
import { validateConfig } from "../../keeper/config/schema.js";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { silentLogger } from "../../keeper/observability/log.js";
import { newHealthState } from "../../keeper/observability/health.js";
import { type Handler, startServer } from "../../keeper/observability/server.js";
import { FixingLoop } from "../../keeper/oracle/fixingLoop.js";
import { observationsRoute } from "../../keeper/oracle/peers.js";
import { replaySource } from "../../keeper/sources/replay.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { fundedAccount } from "./helpers/chain.js";
import { DAY, dailyRounds } from "./helpers/dailyRounds.js";
import { deployOracle } from "./helpers/deploy.js";
import { START } from "./helpers/e2e.js";
import { journalPath, makeSender } from "./helpers/sender.js";

const GATHER_MS = 300;

describe("keeper operator faults (review 10): the host clock stepped back during a gathering", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let owner: LocalAccount;

  before(async () => {
    anvil = await startAnvil({ args: ["--timestamp", String(START + 100)] });
    owner = await fundedAccount(anvil);
  });
  after(async () => {
    await anvil?.stop();
  });

  it("K06 a clock stepped back 1 h after the quorum: the round is posted once gatherMs has passed, not an hour later", async () => {
    const days = dailyRounds(anvil, owner);
    const ops = [await fundedAccount(anvil), await fundedAccount(anvil)];
    const down = privateKeyToAccount(generatePrivateKey()).address; // a registered operator that never answers
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [...ops.map((o) => o.address), down] });
    const def = await loadIndexDefinition("ATPI");
    const routes: Handler[] = [];
    const servers = await Promise.all(ops.map((_, i) => startServer("127.0.0.1", 0, { "/observations": (q) => (routes[i] as Handler)(q) }, silentLogger)));
    const realNow = Date.now;
    try {
      const keepers = await Promise.all(ops.map(async (op, i) => {
        const { sender, journal, client, metrics } = makeSender(anvil, op, journalPath());
        routes[i] = observationsRoute(journal, op.address);
        await sender.reconcile();
        const config = validateConfig({
          chainId: 31337,
          rpc: { urls: [anvil.url] },
          contracts: { oracle },
          indexes: ["ATPI"],
          schedule: { intervalSeconds: DAY, windowPolls: 4, maxFutureSkewSeconds: 60, pollMs: 100, catchUpRounds: 1, postStaggerMs: 0 },
          peers: { urls: servers.filter((_, j) => j !== i).map((s) => s.url), timeoutMs: 1_000, gatherMs: GATHER_MS },
          sources: [{ index: "ATPI", kind: "replay" }],
          keys: { signer: { privateKeyEnv: "X" } },
          gas: { maxFeePerGasGwei: "50" },
        });
        const feeds = [{ name: "ATPI", indexId: indexIdFromName("ATPI"), def, source: replaySource() }];
        return { sender, loop: new FixingLoop({ config, client, signer: op, journal, sender, log: silentLogger, metrics, health: newHealthState(), feeds }) };
      }));
      const round = await days.nextRound();
      for (const k of keepers) await k.loop.tick();
      const first = await keepers[0]!.loop.tick(); // both observations in: the bar (2 of 3), gathering for the third
      expect(first.map((o) => [o.round, o.quorum, o.post])).to.deep.equal([[round, { have: 2, need: 2 }, undefined]]);

      Date.now = () => realNow() - 3_600_000;
      await new Promise((r) => setTimeout(r, GATHER_MS + 100));
      for (let pass = 0; pass < 5 && !(await days.posted(oracle)).some((p) => p.timestamp === round); pass++) {
        for (const k of keepers) await k.loop.tick();
        for (const k of keepers) await k.sender.tick();
      }
      expect((await days.posted(oracle)).map((p) => p.timestamp), "posted after the gathering").to.deep.equal([round]);
    } finally {
      Date.now = realNow;
      for (const s of servers) await s.close();
    }
  });
});
