import { readFile, stat } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { readBodyLimited } from "../observability/httpBody.js";
import { SourceError } from "./types.js";

/** Largest input accepted (bytes, downloaded and after decompression): a LiteLLM list is ~1.5 MB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** How long a URL input may take to answer in full, unless the source's `timeoutMs` says otherwise. */
export const SOURCE_TIMEOUT_MS = 15_000;

/** Whether a source input is an http(s) URL (otherwise a file path). */
export function isUrlInput(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

/**
 * How a source input is named in errors, logs and /health: a file path as it is; a URL without its query, fragment
 * and user info (they often carry API keys), a query shown as `?…`.
 */
export function inputLabel(input: string): string {
  if (!isUrlInput(input)) return input;
  try {
    const u = new URL(input);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "invalid-url";
  }
}

/** How a source reads its input. */
export interface ReadOptions {
  /** Most ms a URL input may take to answer in full, or a file to be read (default SOURCE_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
}

/** `work`, or a TimeoutError after `ms` (a file read on a hung network mount never returns: the loop goes on). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: "TimeoutError" })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A file input: a regular file (a FIFO would block its read until a writer comes, a directory or device is no
 * price list) of at most MAX_INPUT_BYTES, read within `timeoutMs`.
 */
async function readFileInput(path: string, origin: string, timeoutMs: number): Promise<Buffer> {
  const info = await within(stat(path), timeoutMs);
  if (!info.isFile()) throw new SourceError(origin, `not a regular file (${info.isDirectory() ? "a directory" : info.isFIFO() ? "a FIFO" : "a device or socket"})`);
  if (info.size > MAX_INPUT_BYTES) throw new SourceError(origin, `input larger than ${MAX_INPUT_BYTES} bytes`);
  return within(readFile(path), timeoutMs);
}

/**
 * Reads a text input from a file path, a `.gz` file, or an http(s) URL (gzip detected by magic bytes
 * too; a URL must answer in full and a file be read within `timeoutMs`, with at most MAX_INPUT_BYTES). Throws
 * SourceError with the origin and what went wrong.
 */
export async function readTextInput(input: string, options: ReadOptions = {}): Promise<string> {
  const origin = inputLabel(input);
  const timeoutMs = options.timeoutMs ?? SOURCE_TIMEOUT_MS;
  let bytes: Buffer;
  try {
    if (isUrlInput(input)) {
      const res = await fetch(input, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) {
        await res.body?.cancel();
        throw new SourceError(origin, `HTTP ${res.status} ${res.statusText}`);
      }
      bytes = await readBodyLimited(res, MAX_INPUT_BYTES);
    } else {
      bytes = await readFileInput(input, origin, timeoutMs);
    }
  } catch (e) {
    if (e instanceof SourceError) throw e;
    if (e instanceof Error && e.name === "TimeoutError") throw new SourceError(origin, `no answer within ${timeoutMs} ms`, { cause: e });
    throw new SourceError(origin, `cannot read: ${(e instanceof Error ? e.message : String(e)).replaceAll(input, origin)}`, { cause: e });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_INPUT_BYTES });
    } catch (e) {
      throw new SourceError(origin, `bad gzip data: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  if (bytes.length > MAX_INPUT_BYTES) throw new SourceError(origin, `input larger than ${MAX_INPUT_BYTES} bytes`);
  return bytes.toString("utf8").replace(/^\uFEFF/, ""); // a byte order mark (files saved on Windows) is no content
}
