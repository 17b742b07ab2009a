/** Anything that signs EIP-712 typed data for one address: a viem LocalAccount, a WalletClient, an ethers Signer. */
import type { Address, Hex, LocalAccount, TypedDataDomain, WalletClient } from "viem";
import { getAddress } from "viem";
import { SdkError } from "./errors.js";

export interface TypedDataRequest {
  domain: TypedDataDomain;
  types: Record<string, readonly { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

/** The one interface the SDK signs orders with. */
export interface TypedDataSigner {
  readonly address: Address;
  signTypedData(request: TypedDataRequest): Promise<Hex>;
}

/** A viem LocalAccount (private key, mnemonic, keystore) as a signer. */
export function fromLocalAccount(account: LocalAccount): TypedDataSigner {
  return {
    address: account.address,
    signTypedData: (r) => account.signTypedData(r as Parameters<LocalAccount["signTypedData"]>[0]),
  };
}

/** A viem WalletClient with an account (JSON-RPC or local) as a signer. */
export function fromWalletClient(wallet: WalletClient): TypedDataSigner {
  const account = wallet.account;
  if (!account) throw new SdkError("NO_WALLET", "wallet client has no account");
  return {
    address: account.address,
    signTypedData: (r) =>
      wallet.signTypedData({ ...(r as Parameters<WalletClient["signTypedData"]>[0]), account }),
  };
}

/** The part of an ethers v6 Signer the SDK needs (kept structural so the SDK does not depend on ethers). */
export interface EthersLikeSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: Record<string, unknown>,
    types: Record<string, { name: string; type: string }[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** An ethers v6 Signer (Wallet, JsonRpcSigner, ...) as a signer. */
export async function fromEthersSigner(signer: EthersLikeSigner): Promise<TypedDataSigner> {
  const address = getAddress(await signer.getAddress());
  return {
    address,
    signTypedData: async (r) => {
      const types = Object.fromEntries(
        Object.entries(r.types)
          .filter(([k]) => k !== "EIP712Domain")
          .map(([k, v]) => [k, v.map((f) => ({ ...f }))]),
      );
      return (await signer.signTypedData({ ...r.domain }, types, r.message)) as Hex;
    },
  };
}
