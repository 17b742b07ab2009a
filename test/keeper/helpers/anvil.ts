/** The tests use the same anvil launcher as the dev chain and the demo. */
export { ANVIL_BIN, type Anvil, freePort, rpcCall, startAnvil } from "../../../scripts/lib/anvil.js";
