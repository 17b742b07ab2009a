/**
 * One keeper per data directory: two processes on one journal would hand out the same nonces. `run`, `post` and
 * `liquidate` take `<dataDir>/keeper.lock` (holding their pid) before opening the journal; a lock left by a process
 * that no longer exists (kill -9, power loss) is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`data directory is in use by another keeper (pid ${pid}, lock ${path}); stop it first, or use another dataDir`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock of `dataDir`; returns its release function. Throws DataDirLockedError if a live process holds it. */
export function lockDataDir(dataDir: string): () => void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    // e.g. EEXIST (a file of that name) or ENOTDIR, EACCES, EROFS: name the config key, not only the syscall
    const what = (e as NodeJS.ErrnoException).code === "EEXIST" ? "not a directory" : "cannot create it";
    throw new Error(`dataDir ${dataDir}: ${what} (${(e as Error).message})`, { cause: e });
  }
  const path = join(dataDir, "keeper.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => {
        try {
          if (readFileSync(path, "utf8") === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8"));
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirLockedError(path, pid);
      unlinkSync(path); // stale: its process is gone
    }
  }
  throw new Error(`cannot take the lock ${path}`);
}
