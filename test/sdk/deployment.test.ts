/** The deployment file (sdk/deploymentSchema.ts) without a chain: checksums, every problem named by key (test/sdk/settlement.test.ts: round trip on a deployed fixture). */
import { expect } from "chai";
import { defaultSeriesParams } from "../../scripts/lib/deploy.js";
import { type Deployment, deploymentToJson, parseDeployment } from "../../sdk/deployment.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { seriesId } from "../../sdk/orders.js";

const params = defaultSeriesParams(indexIdFromName("ATPI"), 4_070_908_800n);
const deployment: Deployment = {
  chainId: 31337,
  market: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  oracle: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  collateral: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  deployBlock: 3n,
  indexId: indexIdFromName("ATPI"),
  operators: ["0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"],
  series: [{ id: seriesId(params), params }],
};

describe("sdk/deployment: the deployments/<chainId>.json file", () => {
  it("checksums addresses on the way in", () => {
    const lower = JSON.parse(deploymentToJson(deployment)) as Record<string, unknown>;
    lower.market = (lower.market as string).toLowerCase();
    expect(parseDeployment(JSON.stringify(lower)).market).to.equal(deployment.market);
  });

  it("names the file and every bad key at once", () => {
    const raw = JSON.parse(deploymentToJson(deployment)) as Record<string, unknown> & { series: { id: string; params: Record<string, unknown> }[] };
    expect(() => parseDeployment("{", "d.json")).to.throw(/^d\.json: not JSON/);
    const { oracle: _dropped, ...noOracle } = raw;
    expect(() => parseDeployment(JSON.stringify({ ...noOracle, chainId: 0, market: "0x12" }), "d.json")).to.throw('d.json: chainId: must be a positive integer; market: not an address: "0x12"; oracle: missing');
    raw.series[0]!.params.expiry = 5;
    expect(() => parseDeployment(JSON.stringify(raw), "d.json")).to.throw("d.json: series[0].params.expiry: expected an integer string, got 5");
  });
});
