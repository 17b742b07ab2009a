/**
 * Ignition module "Oracle": the IndexOracle, owned by the deployer, with one index created (ATPI by default).
 * Parameters (ignition/parameters/*.json, under "Oracle"): indexId (bytes32), indexParams (IIndexOracle.IndexParams;
 * defaults: ATPI_INDEX in scripts/lib/deploy.ts), operators (addresses, at least 2f + 1).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { indexIdFromName } from "../../sdk/oracle.js";
import { ATPI_INDEX, indexParams } from "../../scripts/lib/deploy.js";

export default buildModule("Oracle", (m) => {
  const deployer = m.getAccount(0);
  const oracle = m.contract("IndexOracle", [deployer]);
  const indexId = m.getParameter("indexId", indexIdFromName(ATPI_INDEX.name));
  const params = m.getParameter("indexParams", indexParams(ATPI_INDEX));
  const operators = m.getParameter<string[]>("operators");
  m.call(oracle, "createIndex", [indexId, params, operators]);
  return { oracle };
});
