/**
 * The operator's keys, loaded from the keeper config: the signing account and the gas-paying account. Keystore
 * decryption, password reading and the local-chain rule for plain keys are the SDK's (sdk/keys.ts); this file only
 * maps the config's key sources onto them and reports failures as KeyError naming the config key.
 */
import { statSync } from "node:fs";
import type { LocalAccount } from "viem";
import { SdkError } from "../../sdk/errors.js";
import { LOCAL_CHAIN_IDS, loadKeystore, plainKeyAccount, readPassword } from "../../sdk/keys.js";
import type { KeySource } from "../config/schema.js";

/** A key could not be loaded (the message names the file, variable or config key, never key material). */
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

/** Runs an SDK key function, turning its SdkError into a KeyError with the same message. */
async function asKeyError<T>(load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof SdkError) throw new KeyError(e.message);
    throw e;
  }
}

/** The keystore password from keys.passwordFile or else keys.passwordEnv. */
export async function operatorPassword(source: PasswordSource, env: NodeJS.ProcessEnv): Promise<string> {
  if (!source.passwordFile && !source.passwordEnv) throw new KeyError("no keystore password source: set keys.passwordFile or keys.passwordEnv");
  return asKeyError(() => readPassword({ file: source.passwordFile, env: source.passwordEnv }, env));
}

/** Loads one account from its configured source. */
export async function loadAccount(
  source: KeySource,
  chainId: number,
  passwords: PasswordSource,
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<LocalAccount> {
  if ("keystore" in source) {
    const password = await operatorPassword(passwords, env);
    return asKeyError(() => loadKeystore(source.keystore, password));
  }
  const label = `${what} (${source.privateKeyEnv})`;
  const key = env[source.privateKeyEnv];
  // On a public chain the SDK refuses any plain key (and says to use a keystore); on a local one, name the variable.
  if (!key && LOCAL_CHAIN_IDS.includes(chainId)) throw new KeyError(`${label}: private key variable is not set`);
  return asKeyError(() => plainKeyAccount(key ?? "", chainId, label));
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

/**
 * The keystore and password files of `keys` that group or others may read or write (any of mode 0o077), with their
 * config key and mode in octal: the keeper warns of each at start (docs/operator.md: mode 0600). A file that cannot
 * be read is left to the loader's error.
 */
export function exposedKeyFiles(keys: { signer: KeySource; gasPayer?: KeySource | undefined; passwordFile?: string | undefined }): { key: string; path: string; mode: string }[] {
  const files: [string, string | undefined][] = [
    ["keys.signer.keystore", "keystore" in keys.signer ? keys.signer.keystore : undefined],
    ["keys.gasPayer.keystore", keys.gasPayer && "keystore" in keys.gasPayer ? keys.gasPayer.keystore : undefined],
    ["keys.passwordFile", keys.passwordFile],
  ];
  return files.flatMap(([key, path]) => {
    if (path === undefined) return [];
    const mode = statSync(path, { throwIfNoEntry: false })?.mode;
    return mode !== undefined && (mode & 0o077) !== 0 ? [{ key, path, mode: (mode & 0o777).toString(8) }] : [];
  });
}
