/** Balances, positions, margin health and PnL of an account. */
import { type Address, erc20Abi } from "viem";
import { type MarketClient, marketContract } from "./client.js";
import { type Series, currentMarkOf, seriesStatus } from "./series.js";
import { WAD, divFloor } from "./units.js";

export interface Balances {
  /** Collateral in the wallet (not deposited). */
  wallet: bigint;
  /** Free balance in the market: withdrawable, backs nothing. */
  free: bigint;
}

export async function balances(mc: MarketClient, account: Address): Promise<Balances> {
  const [wallet, free] = await Promise.all([
    mc.publicClient.readContract({ address: mc.collateral, abi: erc20Abi, functionName: "balanceOf", args: [account] }),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "freeBalance", args: [account] }),
  ]);
  return { wallet, free };
}

export interface PositionView {
  seriesId: `0x${string}`;
  account: Address;
  /** Contracts, long > 0. */
  size: bigint;
  /** Sum of entry notionals (collateral units). */
  cost: bigint;
  /** Margin in the series (collateral units). */
  margin: bigint;
  /** The mark used: the final price once settled, else the latest index. */
  mark: bigint;
  markTime: bigint;
  /** floor(size * mark * contractSize / 1e18) - cost. */
  unrealizedPnl: bigint;
  /** Average entry price (18 decimals), 0 when flat. */
  entryPrice: bigint;
  equity: bigint;
  initialRequired: bigint;
  maintenanceRequired: bigint;
  /** equity >= maintenance (or no position). */
  healthy: boolean;
  settled: boolean;
}

/** Position, margin health and PnL at the series' mark (`currentMark`: the latest index; the limit price when that fixing lies beyond the price limit), or at the final price once settled. */
export async function positionOf(mc: MarketClient, series: Series, account: Address): Promise<PositionView> {
  const [pos, margin, status] = await Promise.all([
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "position", args: [series.id, account] }),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "marginOf", args: [series.id, account] }),
    seriesStatus(mc, series),
  ]);
  const settled = status.settledAt !== 0n;
  const { value: mark, timestamp: markTime } = settled
    ? { value: status.finalPrice, timestamp: status.settledAt }
    : await currentMarkOf(mc, series);
  const [equity, initialRequired, maintenanceRequired] = await mc.publicClient.readContract({
    ...marketContract(mc),
    functionName: "accountHealth",
    args: [series.params, account, mark],
  });
  const size = BigInt(pos.size);
  const cost = BigInt(pos.cost);
  const cs = series.params.contractSize;
  return {
    seriesId: series.id,
    account,
    size,
    cost,
    margin,
    mark,
    markTime,
    unrealizedPnl: divFloor(size * mark * cs, WAD) - cost,
    entryPrice: size === 0n ? 0n : (cost * WAD) / (size * cs),
    equity,
    initialRequired,
    maintenanceRequired,
    healthy: size === 0n || equity >= BigInt(maintenanceRequired),
    settled,
  };
}
