/**
 * Ignition module "Series": lists the first series on the Market module's market. Parameter (under "Series"):
 * series, the SeriesParams struct (integers as strings or numbers; `defaultSeriesParams` in scripts/lib/deploy.ts
 * gives the defaults). Later series: `npm run list-series` (one module call per deployment is fixed by Ignition).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import MarketModule from "./Market.js";

export default buildModule("Series", (m) => {
  const { market, oracle } = m.useModule(MarketModule);
  const series = m.getParameter("series");
  m.call(market, "listSeries", [series]);
  return { market, oracle };
});
