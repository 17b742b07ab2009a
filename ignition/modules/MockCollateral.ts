/** Ignition module "MockCollateral": a 6-decimal mock USDC for local chains and testnets (never on mainnet). */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("MockCollateral", (m) => {
  const collateral = m.contract("MockUSDC", []);
  return { collateral };
});
