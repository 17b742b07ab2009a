import { expect } from "chai";
import { type Address, type Log, type LocalAccount, decodeEventLog, parseAbiItem } from "viem";
import { Journal } from "../../keeper/chain/journal.js";
import { readCursor, scanLogs } from "../../keeper/chain/logs.js";
import { RpcPool, createFailoverClient } from "../../keeper/chain/rpc.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, deploySink, fixingSink, fundedAccount } from "./helpers/chain.js";

const posted = parseAbiItem("event Posted(uint64 indexed round, address poster)");

describe("K08 event logs: persisted cursor at finality, dedupe by (txHash, logIndex)", function () {
  let anvil: Anvil;
  let deployer: LocalAccount;
  let sink: Address;
  let startBlock: bigint;

  before(async () => {
    anvil = await startAnvil();
    deployer = await fundedAccount(anvil);
    sink = await deploySink(anvil, deployer);
    const { publicClient, walletClient } = clients(anvil, deployer);
    startBlock = await publicClient.getBlockNumber();
    for (let r = 1n; r <= 6n; r++) {
      const hash = await walletClient.writeContract({ address: sink, abi: fixingSink().abi, functionName: "post", args: [r], chain: walletClient.chain });
      await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    }
  });
  after(async () => {
    await anvil.stop();
  });

  const client = () => createFailoverClient(new RpcPool({ urls: [anvil.url], chainId: anvil.chainId }), anvil.chainId);
  const rounds = (logs: Log[]) => logs.map((l) => Number(decodeEventLog({ abi: [posted], ...l }).args.round));
  const opts = (journal: Journal, extra: Partial<Parameters<typeof scanLogs>[0]> = {}) => ({
    client: client(), journal, cursor: "logs:sink", address: sink, events: [posted], startBlock, finalityDepth: 2, ...extra,
  });

  it("K08 only final blocks are processed; the rest arrives once final; every log exactly once", async () => {
    const journal = new Journal(":memory:");
    const seen: number[] = [];
    const head = await client().getBlockNumber();
    const first = await scanLogs(opts(journal), (logs) => seen.push(...rounds(logs)));
    expect(first.cursor).to.equal(head - 2n);
    expect(seen).to.deep.equal([1, 2, 3, 4]);
    await anvil.rpc("anvil_mine", ["0x2"]);
    await scanLogs(opts(journal), (logs) => seen.push(...rounds(logs)));
    expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(readCursor(journal, "logs:sink")).to.equal(head);
  });

  it("K08 replaying the same block range twice (lost cursor, overlapping backfill) yields no extra action", async () => {
    const journal = new Journal(":memory:");
    const seen: number[] = [];
    await scanLogs(opts(journal), (logs) => seen.push(...rounds(logs)));
    journal.set("logs:sink", (startBlock - 1n).toString()); // cursor rewound
    const replay = await scanLogs(opts(journal, { maxRange: 3n }), (logs) => seen.push(...rounds(logs)));
    expect(replay.delivered).to.equal(0);
    expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it("K08 a crash inside the handler rolls back the range: cursor and dedupe unchanged, redelivered once after restart", async () => {
    const journal = new Journal(":memory:");
    const failing = await scanLogs(opts(journal), () => {
      throw new Error("crash while applying logs");
    }).catch((e: Error) => e.message);
    expect(failing).to.equal("crash while applying logs");
    expect(readCursor(journal, "logs:sink")).to.equal(undefined);
    const seen: number[] = [];
    const after = await scanLogs(opts(journal), (logs) => seen.push(...rounds(logs)));
    expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(after.delivered).to.equal(6);
  });

  it("ranges are bounded by maxRange (one eth_getLogs per range)", async () => {
    const journal = new Journal(":memory:");
    const head = await client().getBlockNumber();
    const r = await scanLogs(opts(journal, { maxRange: 2n, finalityDepth: 0 }), () => {});
    expect(r.requests).to.equal(Math.ceil(Number(head - startBlock + 1n) / 2));
    expect(r.delivered).to.equal(6);
  });
});
