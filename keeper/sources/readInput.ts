import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { SourceError } from "./types.js";

/** Largest input accepted (bytes, after decompression): a LiteLLM list is ~1.5 MB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Whether a source input is an http(s) URL (otherwise a file path). */
export function isUrlInput(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

/**
 * Reads a text input from a file path, a `.gz` file, or an http(s) URL (gzip detected by magic bytes
 * too). Throws SourceError with the origin and what went wrong.
 */
export async function readTextInput(input: string, options: { timeoutMs?: number } = {}): Promise<string> {
  let bytes: Buffer;
  try {
    if (isUrlInput(input)) {
      const res = await fetch(input, { signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
      if (!res.ok) throw new SourceError(input, `HTTP ${res.status} ${res.statusText}`);
      bytes = Buffer.from(await res.arrayBuffer());
    } else {
      bytes = await readFile(input);
    }
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw new SourceError(input, `cannot read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_INPUT_BYTES });
    } catch (e) {
      throw new SourceError(input, `bad gzip data: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  if (bytes.length > MAX_INPUT_BYTES) throw new SourceError(input, `input larger than ${MAX_INPUT_BYTES} bytes`);
  return bytes.toString("utf8");
}
