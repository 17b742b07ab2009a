/**
 * Reading a block range from a node that refuses some ranges (too many blocks, too many logs, a response too large):
 * a refused range is halved until the node answers or a single block is refused (that error is thrown).
 */

/** `read(from, to)`, halving a refused range; the results of the parts in block order. `onSplit` sees each refusal split. */
export async function readSplitting<T>(
  from: bigint,
  to: bigint,
  read: (from: bigint, to: bigint) => Promise<T[]>,
  onSplit?: (from: bigint, to: bigint, error: unknown) => void,
): Promise<T[]> {
  try {
    return await read(from, to);
  } catch (e) {
    if (to <= from) throw e;
    onSplit?.(from, to, e);
    const mid = (from + to) / 2n;
    return [...(await readSplitting(from, mid, read, onSplit)), ...(await readSplitting(mid + 1n, to, read, onSplit))];
  }
}
