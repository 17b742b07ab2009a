/** Options every trader command shares: where the market is, which key signs, how to print. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { type Chain, type Hex, type LocalAccount, createPublicClient, createWalletClient, defineChain, http } from "viem";
import { type MarketClient, connectMarket } from "../sdk/client.js";
import { type Deployment, readDeployment } from "../sdk/deployment.js";
import { SdkError } from "../sdk/errors.js";
import { loadKeystore, plainKeyAccount, readPassword } from "../sdk/keys.js";
import { type Series, getSeries, listSeries } from "../sdk/series.js";

/** Bad command line: exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const COMMON_OPTIONS = {
  rpc: { type: "string" },
  deployment: { type: "string" },
  market: { type: "string" },
  series: { type: "string" },
  keystore: { type: "string" },
  "password-file": { type: "string" },
  "password-env": { type: "string" },
  "private-key-env": { type: "string" },
  "log-range": { type: "string" },
  "from-block": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

export const COMMON_USAGE = `common options:
  --rpc <url>              JSON-RPC URL (default: $RPC_URL)
  --deployment <file>      deployments/<chainId>.json (addresses, series, first block)
  --market <address>       the market address instead of a deployment file
  --series <id|n>          series id, or its number in the market counting from 0 (\`series\` shows #n; default: the deployment's first)
  --keystore <file>        encrypted JSON keystore of the trader, with --password-file <file> or --password-env <VAR>
  --private-key-env <VAR>  local chains only: name of the environment variable holding a plain private key
  --from-block <n>         first block of log scans with --market (default 0; a deployment file knows its block)
  --log-range <blocks>     split log scans into calls of at most this many blocks (public RPCs cap eth_getLogs)
  --json                   print one JSON object`;

export type Values = Record<string, string | boolean | undefined>;

/**
 * `--opt -3` as `--opt=-3` for string options, so a negative number reaches the option's own check (e.g. "--size
 * must be a positive whole number") instead of failing as an unknown flag.
 */
export function joinNegativeValues(argv: readonly string[], options: ParseArgsConfig["options"] = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    const next = argv[i + 1];
    const name = token.startsWith("--") ? token.slice(2) : undefined;
    if (name && options[name]?.type === "string" && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${token}=${next}`);
      i++;
    } else {
      out.push(token);
    }
  }
  return out;
}

/** Parses `argv` against the common options plus `options`; returns the values and positionals. */
export function parseCommand(argv: readonly string[], options: ParseArgsConfig["options"] = {}): { values: Values; positionals: string[] } {
  const all = { ...COMMON_OPTIONS, ...options };
  const plainKey = argv.find((a) => /^--private-key(=|$)/.test(a));
  if (plainKey) {
    throw new UsageError("a private key is never taken on the command line: put it in an environment variable and give its name with --private-key-env <VAR>");
  }
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, all), options: all, strict: true, allowPositionals: true });
    return { values: values as Values, positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Options whose values are order hashes or series ids (32 bytes of hex the CLI may show back). */
const HASH_OPTIONS = new Set(["--order", "--buy", "--sell", "--series"]);

/**
 * The 32-byte hex strings of `argv` that may be private keys: all but the values of the hash options. Error
 * messages never show them (`redact`).
 */
export function secretsIn(argv: readonly string[]): string[] {
  const found: string[] = [];
  argv.forEach((token, i) => {
    const [opt, inline] = token.includes("=") ? [token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)] : [argv[i - 1], token];
    if (HASH_OPTIONS.has(opt ?? "") && /^0x[0-9a-fA-F]{64}$/.test(inline ?? "")) return;
    for (const m of token.matchAll(/[0-9a-fA-F]{64}/g)) found.push(m[0]);
  });
  return found;
}

/** `text` with every secret (case-insensitive) replaced by a placeholder. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.replace(new RegExp(`(0x)?${s}`, "gi"), "<hidden: looks like a private key>");
  return out;
}

export const str = (v: Values, k: string): string | undefined => (typeof v[k] === "string" ? (v[k] as string) : undefined);

/** The connected market (with a signer when `withKey`), the deployment (if given) and the chain. */
export interface TraderContext {
  mc: MarketClient;
  deployment: Deployment | undefined;
  json: boolean;
}

async function loadKey(v: Values, chainId: number, env: NodeJS.ProcessEnv): Promise<LocalAccount> {
  const keystore = str(v, "keystore");
  if (keystore) return loadKeystore(keystore, readPassword({ file: str(v, "password-file"), env: str(v, "password-env") }, env));
  const keyEnv = str(v, "private-key-env");
  if (keyEnv && /^(0x)?[0-9a-fA-F]{64}$/.test(keyEnv)) {
    throw new UsageError("--private-key-env takes the NAME of the environment variable holding the key (e.g. KEY_A), not the key itself");
  }
  if (keyEnv) {
    const key = env[keyEnv];
    if (!key) throw new UsageError(`environment variable ${keyEnv} (private key) is not set`);
    return plainKeyAccount(key, chainId, `--private-key-env ${keyEnv}`);
  }
  throw new UsageError("this command needs your key: give --keystore (+ --password-file or --password-env), or --private-key-env on a local chain");
}

function blockArg(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--from-block must be a block number, got ${JSON.stringify(text)}`);
  return BigInt(text);
}

function logRange(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--log-range must be a positive whole number of blocks, got ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** Connects to the market; loads the key only when the command needs one. Nothing is sent here. */
export async function openContext(v: Values, withKey: boolean, env: NodeJS.ProcessEnv = process.env): Promise<TraderContext> {
  const url = str(v, "rpc") ?? env.RPC_URL;
  if (!url) throw new UsageError("--rpc <url> is required (or set RPC_URL)");
  if (!/^(https?|wss?):\/\//.test(url)) throw new UsageError(`--rpc must be an http(s) or ws(s) URL, got ${JSON.stringify(url)}`);
  const file = str(v, "deployment");
  const deployment = file ? readDeployment(file) : undefined;
  const marketArg = str(v, "market");
  if (!deployment && !marketArg) throw new UsageError("give --deployment <file> or --market <address>");
  if (marketArg && !/^0x[0-9a-fA-F]{40}$/.test(marketArg)) throw new UsageError(`--market is not an address: ${JSON.stringify(marketArg)}`);
  const transport = http(url, { retryCount: 0 });
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport }).getChainId();
  } catch {
    throw new SdkError("INVALID_INPUT", `cannot reach an RPC node at ${url}`);
  }
  const chain: Chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
  const account = withKey ? await loadKey(v, chainId, env) : undefined;
  const walletClient = account ? createWalletClient({ chain, transport, account }) : undefined;
  const mc = await connectMarket({
    publicClient: publicClient as never,
    walletClient,
    market: (marketArg ?? deployment?.market) as Hex,
    chainId: deployment?.chainId,
    fromBlock: deployment?.deployBlock ?? blockArg(str(v, "from-block")),
    logBlockRange: logRange(str(v, "log-range")),
  });
  return { mc, deployment, json: v.json === true };
}

/**
 * The series named by --series: its id, or its number n (from 0) in the market's listing order, as `series` shows
 * it; without --series the deployment's first series, else the only listed one.
 */
export async function pickSeries(ctx: TraderContext, v: Values): Promise<Series> {
  const arg = str(v, "series");
  if (arg && /^0x[0-9a-fA-F]{64}$/.test(arg)) return getSeries(ctx.mc, arg as Hex);
  if (arg && !/^\d+$/.test(arg)) throw new UsageError(`--series must be a series id (0x + 64 hex) or a series number from 0 (see \`series\`), got ${JSON.stringify(arg)}`);
  if (arg === undefined && ctx.deployment?.series[0]) return getSeries(ctx.mc, ctx.deployment.series[0].id);
  const all = await listSeries(ctx.mc);
  if (arg !== undefined) {
    const s = all[Number(arg)];
    if (!s) throw new SdkError("UNKNOWN_SERIES", `the market has no series #${arg}: it lists ${all.length}, numbered from 0 (see \`series\`)`);
    return s;
  }
  if (all.length !== 1) throw new UsageError(`the market lists ${all.length} series: choose one with --series <id|n>`);
  return all[0] as Series;
}
