/**
 * Daily oracle rounds on an anvil, for tests that drive keeper loops round by round: the chain's time, a move into
 * the next round, and the fixings posted so far (from `FixingPosted` logs).
 */
import { type Address, type LocalAccount, parseAbiItem } from "viem";
import type { Anvil } from "./anvil.js";
import { clients } from "./chain.js";

export const DAY = 86_400;

const fixingPosted = parseAbiItem(
  "event FixingPosted(bytes32 indexed indexId, uint64 indexed timestamp, uint256 value, uint32 methodologyVersion, bytes32 inputsHash, uint256 signers, address poster)",
);

export interface PostedFixing {
  timestamp: bigint;
  value: bigint;
  /** Bitmap of the operators whose signatures the post carried. */
  signers: bigint;
}

export function dailyRounds(anvil: Anvil, reader: LocalAccount) {
  const { publicClient } = clients(anvil, reader);
  async function chainNow(): Promise<bigint> {
    return (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
  }
  return {
    chainNow,
    /** Moves the chain 100 s into the next daily round; returns the round's timestamp. */
    async nextRound(): Promise<bigint> {
      const now = await chainNow();
      const round = now - (now % BigInt(DAY)) + BigInt(DAY);
      await anvil.rpc("evm_setNextBlockTimestamp", [Number(round + 100n)]);
      await anvil.rpc("evm_mine");
      return round;
    },
    /** The fixings posted to `oracle` so far, oldest first. */
    async posted(oracle: Address): Promise<PostedFixing[]> {
      const logs = await publicClient.getLogs({ address: oracle, event: fixingPosted, fromBlock: 0n });
      return logs.map((l) => ({ timestamp: l.args.timestamp as bigint, value: l.args.value as bigint, signers: l.args.signers as bigint }));
    },
  };
}
