/**
 * Deep profile (not in the default CI): `npm run profile:keeper-kill9` [CYCLES=200] [STAGGER_MS=500]. Three real keeper processes
 * (the compiled bin) on anvil, quorum 2. Each cycle moves chain time to the next daily round, waits a seeded random
 * 0-2.5 s (the posting happens in that span) and kills one keeper with SIGKILL (round-robin), restarts it, and
 * waits until the round is on chain. At the end it counts, over every transaction mined:
 *   - double posts: a keeper with two mined post transactions for the same round (one was wasted),
 *   - nonce gaps: an operator whose pending nonce differs from its mined one once everything settled,
 *   - lost rounds: a round that came due and never got a fixing,
 * plus reverted posts (each with the block of the winning post of its round and the time between the two sends),
 * and the lost races the keepers logged by outcome (skipped and deferred sent nothing; cancelled filled the nonce
 * with a self-transfer; reverted spent gas). Writes bench/keeper-kill9.json; exits 1 unless double posts, gaps and
 * lost rounds are 0.
 */
import { writeFileSync } from "node:fs";
import { type Hex, decodeFunctionData } from "viem";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { DAY, advance, chainNow, nonces, postedFixings, roundOf, startNetwork, waitForRound } from "../../test/keeper/helpers/e2e.js";
import { prng } from "../../test/keeper/helpers/random.js";

const CYCLES = Number(process.env.CYCLES ?? 200);
/** The post stagger (default 500 ms: below one pass, pollMs 200 + peer timeout 1000, the worst case for racing posters). */
const STAGGER_MS = Number(process.env.STAGGER_MS ?? 500);
const rand = prng(0x9e3779b9);
const started = Date.now();

const net = await startNetwork({
  overrides: {
    schedule: { postStaggerMs: STAGGER_MS, pollMs: 200 },
    peers: { gatherMs: 500, timeoutMs: 1_000 },
    gas: { stuckAfterSeconds: 2 },
  },
});
const due = new Set<bigint>();
const failures: string[] = [];
try {
  due.add(roundOf(await chainNow(net)));
  await waitForRound(net, roundOf(await chainNow(net)), 60_000);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    await advance(net, DAY);
    const round = roundOf(await chainNow(net));
    due.add(round);
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 2_500)));
    const victim = net.keepers[cycle % net.keepers.length];
    if (!victim) throw new Error("no keeper");
    await victim.stop("SIGKILL");
    await victim.start(30_000);
    try {
      await waitForRound(net, round, 60_000);
    } catch (e) {
      failures.push(`cycle ${cycle}: ${(e as Error).message.split("\n")[0]}`);
    }
    if (cycle % 20 === 19) console.log(`cycle ${cycle + 1}/${CYCLES} (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  // Let every in-flight transaction settle.
  const deadline = Date.now() + 60_000;
  let n = await nonces(net);
  while (n.some((x) => x.pending !== x.latest) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    n = await nonces(net);
  }

  const posted = new Set((await postedFixings(net)).map((p) => p.timestamp));
  const lost = [...due].filter((t) => !posted.has(t));
  const head = await net.client.getBlockNumber();
  const perSenderRound = new Map<string, number>();
  let postTxs = 0;
  const revertedPosts: { round: bigint; block: bigint; from: string }[] = [];
  const winners = new Map<bigint, { block: bigint; from: string }>();
  for (let b = 0n; b <= head; b++) {
    const block = await net.client.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.to?.toLowerCase() !== net.oracle.toLowerCase()) continue;
      const call = decodeFunctionData({ abi: indexOracleAbi, data: tx.input as Hex });
      if (call.functionName !== "postFixing") continue;
      postTxs++;
      const receipt = await net.client.getTransactionReceipt({ hash: tx.hash });
      const round = call.args[1] as bigint;
      if (receipt.status !== "success") revertedPosts.push({ round, block: b, from: tx.from.toLowerCase() });
      else if (!winners.has(round)) winners.set(round, { block: b, from: tx.from.toLowerCase() });
      const key = `${tx.from.toLowerCase()}:${String(call.args[1])}`;
      perSenderRound.set(key, (perSenderRound.get(key) ?? 0) + 1);
    }
  }
  const doublePosts = [...perSenderRound.values()].filter((c) => c > 1).reduce((s, c) => s + c - 1, 0);
  const nonceGaps = n.filter((x) => x.pending !== x.latest).length;
  // Each keeper's "fixing post sent" times per round (its logs span every restart).
  const sentAt = (address: string, round: bigint) => {
    const k = net.keepers[net.operators.findIndex((o) => o.toLowerCase() === address)];
    const line = k?.logs.find((l) => l.msg === "fixing post sent" && String(l.round) === String(round));
    return line ? Date.parse(String(line.time)) : undefined;
  };
  const reverts = revertedPosts.map((r) => {
    const w = winners.get(r.round);
    const [a, b] = [w ? sentAt(w.from, r.round) : undefined, sentAt(r.from, r.round)];
    return { round: String(r.round), block: Number(r.block), winnerBlock: w ? Number(w.block) : null, sendGapMs: a !== undefined && b !== undefined ? b - a : null };
  });
  const lostRaces: Record<string, number> = { skipped: 0, deferred: 0, cancelled: 0, reverted: 0 };
  for (const k of net.keepers) {
    for (const l of k.logs) {
      const m = String(l.msg);
      if (!m.startsWith("lost race:")) continue;
      const outcome = m.includes("nothing sent") ? (m.includes("pending") ? "deferred" : "skipped") : m.includes("reverted") ? "reverted" : "cancelled";
      lostRaces[outcome] = (lostRaces[outcome] ?? 0) + 1;
    }
  }
  const result = {
    cycles: CYCLES,
    postStaggerMs: STAGGER_MS,
    keepers: net.keepers.length,
    roundsDue: due.size,
    roundsPosted: [...due].filter((t) => posted.has(t)).length,
    lostRounds: lost.length,
    doublePosts,
    nonceGaps,
    postTransactions: postTxs,
    revertedPosts: revertedPosts.length,
    revertedInWinnersBlock: reverts.filter((r) => r.block === r.winnerBlock).length,
    reverts,
    lostRaces,
    waitFailures: failures,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  if (process.env.DEBUG_REVERTS) for (const k of net.keepers) for (const l of k.logs) if (/revert|post sent|fixing posted|no longer|deferred|already done/.test(String(l.msg))) console.log(k.spec.name, JSON.stringify(l));
  writeFileSync(new URL("../../bench/keeper-kill9.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = lost.length === 0 && doublePosts === 0 && nonceGaps === 0 ? 0 : 1;
} finally {
  await net.stop();
}
