/**
 * Trader keys: an encrypted JSON keystore (via ethers) as a viem LocalAccount; a plain private key only on local
 * chains. Key material and passwords never appear in messages. ethers is loaded only when a keystore is used.
 */
import { readFileSync } from "node:fs";
import { type Hex, type LocalAccount, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { SdkError } from "./errors.js";

/** Chain ids of local development chains (anvil, Hardhat). */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];

/** The keystore password from a file (one trailing newline stripped) or else an environment variable. */
export function readPassword(source: { file?: string | undefined; env?: string | undefined }, env: NodeJS.ProcessEnv): string {
  if (source.file) {
    let text: string;
    try {
      text = readFileSync(source.file, "utf8");
    } catch (e) {
      throw new SdkError("INVALID_INPUT", `cannot read password file ${source.file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
    const password = text.replace(/\r?\n$/, "");
    if (!password) throw new SdkError("INVALID_INPUT", `password file ${source.file} is empty`);
    return password;
  }
  if (source.env) {
    const password = env[source.env];
    if (!password) throw new SdkError("INVALID_INPUT", `environment variable ${source.env} (keystore password) is not set or empty`);
    return password;
  }
  throw new SdkError("INVALID_INPUT", "no keystore password: give a password file or the name of an environment variable");
}

/** Decrypts a JSON keystore file into its private key. */
export async function decryptKeystore(path: string, password: string): Promise<Hex> {
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch (e) {
    throw new SdkError("INVALID_INPUT", `cannot read keystore ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  const { decryptKeystoreJson, isKeystoreJson } = await import("ethers");
  if (!isKeystoreJson(json)) throw new SdkError("INVALID_INPUT", `${path} is not an encrypted JSON keystore`);
  try {
    return (await decryptKeystoreJson(json, password)).privateKey as Hex;
  } catch {
    throw new SdkError("INVALID_INPUT", `cannot decrypt keystore ${path}: wrong password or corrupt file`);
  }
}

/** Decrypts a JSON keystore file into a LocalAccount. */
export async function loadKeystore(path: string, password: string): Promise<LocalAccount> {
  return privateKeyToAccount(await decryptKeystore(path, password));
}

/** The order of secp256k1's group: a private key lies in [1, order). */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A plain private key checked for form; refused (WRONG_CHAIN) unless the chain is a local one. */
export function plainKey(privateKey: string, chainId: number, what = "private key"): Hex {
  if (!LOCAL_CHAIN_IDS.includes(chainId)) {
    throw new SdkError("WRONG_CHAIN", `${what}: plain private keys are accepted only on local chains (${LOCAL_CHAIN_IDS.join(", ")}), not chain ${chainId}; use a keystore`);
  }
  const key = privateKey.startsWith("0x") ? privateKey : `0x${privateKey}`;
  if (!isHex(key) || key.length !== 66) throw new SdkError("INVALID_INPUT", `${what}: must be 32 bytes of hex`);
  if (BigInt(key) === 0n || BigInt(key) >= SECP256K1_ORDER) throw new SdkError("INVALID_INPUT", `${what}: not a valid secp256k1 private key (zero, or not below the curve order)`);
  return key;
}

/** A LocalAccount from a plain private key; refused (WRONG_CHAIN) unless the chain is a local one. */
export function plainKeyAccount(privateKey: string, chainId: number, what = "private key"): LocalAccount {
  return privateKeyToAccount(plainKey(privateKey, chainId, what));
}

/** Encrypts a private key as a JSON keystore (`scryptN` lower than ethers' 2^17 default only for tests). */
export async function encryptKey(privateKey: Hex, password: string, options: { scryptN?: number } = {}): Promise<string> {
  if (password.length < 8) throw new SdkError("INVALID_INPUT", "keystore password must have at least 8 characters");
  const address = privateKeyToAccount(privateKey).address;
  const { encryptKeystoreJson } = await import("ethers");
  return encryptKeystoreJson({ address, privateKey }, password, options.scryptN ? { scrypt: { N: options.scryptN } } : {});
}
