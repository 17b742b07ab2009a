import { SdkError } from "../../sdk/errors.js";
import { latestIndex, listSeries, seriesStatus } from "../../sdk/series.js";
import { describeSettlement, readSettlement } from "../../sdk/settlement.js";
import { formatDecimal } from "../../sdk/units.js";
import { price, time, usdc } from "../output.js";
import type { Command } from "./types.js";

export const seriesCommand: Command = {
  name: "series",
  summary: "list the market's series with their status and index (#n: the number --series takes, from 0)",
  usage: "",
  options: {},
  needsKey: false,
  async run(ctx) {
    const all = await listSeries(ctx.mc);
    const rows = [];
    for (const s of all) {
      const status = await seriesStatus(ctx.mc, s);
      const index = await latestIndex(ctx.mc, s.params.indexId).catch((e: unknown) => {
        if (e instanceof SdkError && e.code === "NO_INDEX") return undefined;
        throw e;
      });
      const settlement = status.settledAt !== 0n ? await readSettlement(ctx.mc, s) : undefined;
      rows.push({ id: s.id, params: s.params, status, index, settlement });
    }
    const text = rows.length === 0 ? ["no series listed"] : [];
    for (const [n, r] of rows.entries()) {
      const p = r.params;
      text.push(
        `#${n} ${r.id}`,
        `  phase ${r.status.phase}${r.status.paused ? " (paused)" : ""}, expiry ${time(p.expiry)}`,
        `  index ${r.index ? `${price(r.index.value)} at ${time(r.index.timestamp)}` : "no fixing yet"}`,
        ...(r.settlement ? [`  settled at ${time(r.status.settledAt)}: ${describeSettlement(r.settlement)}`] : []),
        `  contract ${usdc(p.contractSize)} per 1.0 of index, tick ${price(p.tickSize)}, min size ${p.minSize}`,
        `  margin initial ${formatDecimal(BigInt(p.initialMarginBps), 2)} %, maintenance ${formatDecimal(BigInt(p.maintenanceMarginBps), 2)} %; fees maker ${p.makerFeeBps} / taker ${p.takerFeeBps} bps; band ${p.priceBandBps} bps, price limit ${p.priceLimitBps} bps per fixing`,
      );
    }
    return { json: { market: ctx.mc.market, chainId: ctx.mc.chainId, series: rows }, text };
  },
};
