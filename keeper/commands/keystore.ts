/**
 * `keeper keystore` subcommand: create an encrypted JSON keystore from an existing key or a new random key, and
 * show a keystore's address. Only addresses are printed, never keys or passwords.
 *
 *   keystore create --out FILE [--key-env NAME | --key-file FILE] (--password-file FILE | --password-env NAME)
 *   keystore address FILE
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { getAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { encryptKey } from "../../sdk/keys.js";
import { KeyError, operatorPassword } from "../chain/keys.js";
import type { Command } from "./types.js";

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** scrypt N override (tests); default is ethers' standard cost. */
  scryptN?: number;
}

const USAGE = `usage:
  keystore create --out FILE [--key-env NAME | --key-file FILE] (--password-file FILE | --password-env NAME)
      Encrypts the key read from env var NAME or FILE (hex), or a new random key if neither is given.
  keystore address FILE
      Prints the address stored in a keystore (no password needed).`;

function readKey(opts: { "key-env"?: string | undefined; "key-file"?: string | undefined }, env: NodeJS.ProcessEnv): Hex {
  let text: string | undefined;
  if (opts["key-env"]) {
    text = env[opts["key-env"]];
    if (!text) throw new KeyError(`environment variable ${opts["key-env"]} is not set`);
  } else if (opts["key-file"]) {
    try {
      text = readFileSync(opts["key-file"], "utf8").trim();
    } catch (e) {
      throw new KeyError(`cannot read key file ${opts["key-file"]}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
  } else return generatePrivateKey();
  const key = (text.trim().startsWith("0x") ? text.trim() : `0x${text.trim()}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new KeyError("the private key must be 32 bytes of hex");
  return key;
}

async function create(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string" },
      "key-env": { type: "string" },
      "key-file": { type: "string" },
      "password-file": { type: "string" },
      "password-env": { type: "string" },
    },
    strict: true,
  });
  if (!values.out) throw new KeyError("--out FILE is required");
  if (values["key-env"] && values["key-file"]) throw new KeyError("give either --key-env or --key-file, not both");
  if (existsSync(values.out)) throw new KeyError(`${values.out} already exists; refusing to overwrite a keystore`);
  const password = await operatorPassword({ passwordFile: values["password-file"], passwordEnv: values["password-env"] }, io.env);
  const key = readKey(values, io.env);
  const json = await encryptKey(key, password, io.scryptN ? { scryptN: io.scryptN } : {});
  // Write beside the target then rename, so a crash never leaves a half-written keystore; owner-only permissions.
  const tmp = `${values.out}.tmp`;
  writeFileSync(tmp, json, { mode: 0o600, flag: "wx" });
  renameSync(tmp, values.out);
  io.out(`created ${values.out} for address ${privateKeyToAccount(key).address}`);
  return 0;
}

function address(args: string[], io: CommandIo): number {
  const file = args[0];
  if (!file) throw new KeyError("keystore address needs a FILE");
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { address?: unknown };
  if (typeof parsed.address !== "string") throw new KeyError(`${file} has no address field`);
  io.out(getAddress(parsed.address.startsWith("0x") ? parsed.address : `0x${parsed.address}`));
  return 0;
}

/** Runs `keystore <create|address> ...`; returns the process exit code. */
export async function run(
  argv: readonly string[],
  io: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env },
): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === "create") return await create(rest, io);
    if (sub === "address") return address(rest, io);
    io.err(USAGE);
    return 2;
  } catch (e) {
    io.err(`keystore ${sub}: ${(e as Error).message}`);
    return 1;
  }
}

/** The subcommand as the CLI dispatcher lists it (`{ name, summary, run }`). */
export const keystoreCommand: Command = {
  name: "keystore",
  usage: USAGE,
  summary: "create an encrypted JSON keystore (from a key or a new random key), or show a keystore's address",
  run: (argv: readonly string[]) => run(argv),
};
