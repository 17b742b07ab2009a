/**
 * `keeper post --config FILE [--env-file FILE] [--dry-run]`: one pass of the fixing loop now (repeated while a
 * round holds the bar and is still gathering the other operators' observations, at most `peers.gatherMs`), then
 * exit. The observations route is served during the pass (so peers doing the same can fetch this operator's signature);
 * a post that was sent is waited for until final. Prints one JSON object per round handled. `--dry-run` signs
 * nothing durable and prints the transaction it would send. Exit code 0 when every due round was observed.
 */
import { sleep } from "../observability/shutdown.js";
import type { FixingLoop, RoundOutcome } from "../oracle/fixingLoop.js";
import { serviceUsage, startService } from "./serviceArgs.js";
import type { Command } from "./types.js";

async function run(argv: readonly string[]): Promise<number> {
  const started = await startService("post", argv);
  if (typeof started === "number") return started;
  const { runtime, loop } = started;
  try {
    await runtime.startServer();
    const outcomes = await passUntilGathered(loop, runtime.config.peers.gatherMs, runtime.config.schedule.pollMs);
    for (const o of outcomes) {
      if (o.post?.status === "sent") await runtime.sender.waitFinal(o.post.key, { timeoutMs: 120_000 });
      console.log(JSON.stringify(summary(o, runtime.sender)));
    }
    if (outcomes.length === 0) console.log(JSON.stringify({ rounds: 0, note: "no round due: the oracle is up to date" }));
    return outcomes.every((o) => "value" in o.own) ? 0 : 1;
  } finally {
    await runtime.shutdown.shutdown("post done");
  }
}

/**
 * Passes of the loop until no round is still gathering its operators' observations (it holds the bar, nothing
 * posted yet), at most `gatherMs` (+ one pass) long. One outcome per round: the latest, or the one that sent.
 */
async function passUntilGathered(loop: FixingLoop, gatherMs: number, pollMs: number): Promise<RoundOutcome[]> {
  const byRound = new Map<bigint, RoundOutcome>();
  const until = Date.now() + gatherMs;
  for (;;) {
    const outcomes = await loop.tick();
    for (const o of outcomes) if (byRound.get(o.round)?.post?.status !== "sent") byRound.set(o.round, o);
    const gathering = outcomes.some((o) => o.quorum.have >= o.quorum.need && o.post === undefined);
    if (!gathering || Date.now() > until) break;
    await sleep(Math.min(pollMs, 500));
  }
  return [...byRound.values()].sort((a, b) => (a.round < b.round ? -1 : 1));
}

function summary(o: RoundOutcome, sender: { inFlight(): number }) {
  return JSON.parse(
    JSON.stringify({ ...o, inFlight: sender.inFlight() }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
  ) as unknown;
}

export const postCommand: Command = {
  name: "post",
  usage: serviceUsage("post"),
  summary: "one fixing round now (observe, sign, collect peers, post if a quorum is held), then exit",
  run,
};
