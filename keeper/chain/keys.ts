/**
 * Keys: encrypted JSON keystores (Web3 Secret Storage, via ethers) turned into viem LocalAccounts. A plain private
 * key is accepted only on local chains. Key material and passwords are never logged or put in error messages.
 */
import { readFileSync } from "node:fs";
import { decryptKeystoreJson, encryptKeystoreJson, isKeystoreJson } from "ethers";
import { type Hex, type LocalAccount, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type KeySource, LOCAL_CHAIN_IDS } from "../config/schema.js";

export class KeyError extends Error {
  override readonly name = "KeyError";
}

/** The two accounts of an operator: the one that signs observations, and the one that pays gas (may be the same). */
export interface OperatorKeys {
  signer: LocalAccount;
  gasPayer: LocalAccount;
}

export interface PasswordSource {
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
}

/** Reads the keystore password from a file (trailing newline stripped) or else from an environment variable. */
export function readPassword(source: PasswordSource, env: NodeJS.ProcessEnv): string {
  if (source.passwordFile) {
    let text: string;
    try {
      text = readFileSync(source.passwordFile, "utf8");
    } catch (e) {
      throw new KeyError(`cannot read password file ${source.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
    const password = text.replace(/\r?\n$/, "");
    if (!password) throw new KeyError(`password file ${source.passwordFile} is empty`);
    return password;
  }
  if (source.passwordEnv) {
    const password = env[source.passwordEnv];
    if (!password) throw new KeyError(`environment variable ${source.passwordEnv} (keystore password) is not set or empty`);
    return password;
  }
  throw new KeyError("no keystore password source: set keys.passwordFile or keys.passwordEnv");
}

/** Decrypts a JSON keystore file into a viem LocalAccount. */
export async function loadKeystore(path: string, password: string): Promise<LocalAccount> {
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch (e) {
    throw new KeyError(`cannot read keystore ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  if (!isKeystoreJson(json)) throw new KeyError(`${path} is not an encrypted JSON keystore`);
  let privateKey: string;
  try {
    ({ privateKey } = await decryptKeystoreJson(json, password));
  } catch {
    // Do not forward the library's message: keep the failure free of any key-derived data.
    throw new KeyError(`cannot decrypt keystore ${path}: wrong password or corrupt file`);
  }
  return privateKeyToAccount(privateKey as Hex);
}

/** An account from a plain private key; refused unless `chainId` is a local development chain. */
export function plainKeyAccount(privateKey: string | undefined, chainId: number, what: string): LocalAccount {
  if (!LOCAL_CHAIN_IDS.includes(chainId)) {
    throw new KeyError(`${what}: a plain private key is accepted only on local chains (${LOCAL_CHAIN_IDS.join(", ")}), not chain ${chainId}`);
  }
  if (!privateKey) throw new KeyError(`${what}: private key variable is not set`);
  const key = privateKey.startsWith("0x") ? privateKey : `0x${privateKey}`;
  if (!isHex(key) || key.length !== 66) throw new KeyError(`${what}: private key must be 32 bytes of hex`);
  return privateKeyToAccount(key);
}

/** Loads one account from its configured source. */
export async function loadAccount(
  source: KeySource,
  chainId: number,
  passwords: PasswordSource,
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<LocalAccount> {
  if ("keystore" in source) return loadKeystore(source.keystore, readPassword(passwords, env));
  return plainKeyAccount(env[source.privateKeyEnv], chainId, `${what} (${source.privateKeyEnv})`);
}

/** Loads the signing account and the gas-paying account (the signer pays gas when no gas payer is configured). */
export async function loadOperatorKeys(
  keys: { signer: KeySource; gasPayer?: KeySource | undefined } & PasswordSource,
  chainId: number,
  env: NodeJS.ProcessEnv,
): Promise<OperatorKeys> {
  const signer = await loadAccount(keys.signer, chainId, keys, env, "keys.signer");
  const gasPayer = keys.gasPayer ? await loadAccount(keys.gasPayer, chainId, keys, env, "keys.gasPayer") : signer;
  return { signer, gasPayer };
}

/** Encrypts a private key as a JSON keystore. `scryptN` defaults to ethers' 2^17 (slow on purpose); tests pass less. */
export async function encryptKey(privateKey: Hex, password: string, options: { scryptN?: number } = {}): Promise<string> {
  if (password.length < 8) throw new KeyError("keystore password must have at least 8 characters");
  const address = privateKeyToAccount(privateKey).address;
  return encryptKeystoreJson(
    { address, privateKey },
    password,
    options.scryptN ? { scrypt: { N: options.scryptN } } : {},
  );
}
