/**
 * Ignition module "Market": the FuturesMarket over the Oracle module's oracle, owned by the deployer.
 * Parameter (under "Market"): collateral, the 6-decimal collateral token's address (MockCollateral's on a testnet).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import OracleModule from "./Oracle.js";

export default buildModule("Market", (m) => {
  const { oracle } = m.useModule(OracleModule);
  const collateral = m.getParameter<string>("collateral");
  const market = m.contract("FuturesMarket", [m.getAccount(0), collateral, oracle]);
  return { market, oracle };
});
