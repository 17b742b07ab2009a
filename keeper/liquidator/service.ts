/**
 * The liquidator inside the keeper service: one liquidation loop per configured series, built from a runtime
 * (RPC client, journal, sender, metrics, shutdown). `run` starts them with `runLiquidators(runtime)`;
 * `liquidate` uses `liquidatorsFor(runtime)` for one scan.
 */
import type { Address } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { sleep } from "../observability/shutdown.js";
import type { KeeperRuntime } from "../service/runtime.js";
import { AccountBook } from "./book.js";
import { type LiquidatorOptions, runLiquidator } from "./loop.js";

/** The loop options of every series in `liquidator.series` (empty without a liquidator section). */
export async function liquidatorsFor(runtime: KeeperRuntime): Promise<LiquidatorOptions[]> {
  const { config, client, journal, sender, metrics } = runtime;
  const liq = config.liquidator;
  const market = config.contracts.market;
  if (!liq || !market) return [];
  // The mark is the market's own oracle, whatever contracts.oracle says.
  const oracle = (await client.readContract({ address: market, abi: futuresMarketAbi, functionName: "oracle" })) as Address;
  return liq.series.map((params) => {
    const log = runtime.log.child({ component: "liquidator" });
    const book = new AccountBook({
      client, journal, market, params, log,
      finalityDepth: liq.finalityDepth, startBlock: BigInt(liq.startBlock), maxBlockRange: liq.maxBlockRange,
    });
    return { client, sender, book, market, oracle, params, maxSize: BigInt(liq.maxSize), minReward: liq.minRewardUsdc, log, metrics };
  });
}

/**
 * Runs a liquidation loop per series until shutdown (call after `runtime.reconcile()`); returns at once without
 * a liquidator section. Never throws: a failing start (RPC down) is logged and retried every `pollMs`.
 */
export async function runLiquidators(runtime: KeeperRuntime): Promise<void> {
  if (!runtime.config.liquidator) return;
  const pollMs = runtime.config.liquidator.pollMs;
  const { signal } = runtime.shutdown;
  let loops: LiquidatorOptions[] | undefined;
  while (!loops && !signal.aborted) {
    try {
      loops = await liquidatorsFor(runtime);
    } catch (e) {
      runtime.log.error("liquidator start failed; retrying", { error: (e as Error).message });
      await sleep(pollMs, signal);
    }
  }
  if (!loops) return;
  runtime.log.info("liquidator running", { series: loops.map((o) => o.book.seriesId), market: runtime.config.contracts.market });
  const all = Promise.all(loops.map((o) => runLiquidator({ ...o, pollMs, signal })));
  runtime.shutdown.onShutdown(async () => void (await all)); // the journal closes only after the loops stopped
  await all;
}
