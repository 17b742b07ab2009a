/**
 * Ignition module "Ownership": offers the oracle and the market of the Market module to a new owner (Ownable2Step:
 * the deployer stays owner until that account calls acceptOwnership() on both). Parameter (under "Ownership"): owner.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import MarketModule from "./Market.js";

export default buildModule("Ownership", (m) => {
  const { market, oracle } = m.useModule(MarketModule);
  const owner = m.getParameter<string>("owner");
  m.call(oracle, "transferOwnership", [owner], { id: "offerOracle" });
  m.call(market, "transferOwnership", [owner], { id: "offerMarket" });
  return { market, oracle };
});
