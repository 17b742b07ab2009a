/** Reading an HTTP answer from someone else's server (a price source, a peer) without trusting its size. */

/**
 * The body of `res`, refused past `maxBytes`: at once when the declared Content-Length exceeds it, else as soon as
 * the bytes streamed in do (an endless body never fills the memory). Throws an Error saying so.
 */
export async function readBodyLimited(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new Error(`answer larger than ${maxBytes} bytes (Content-Length ${declared})`);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`answer larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
