/**
 * One keeper per data directory: two processes on one journal would hand out the same nonces. `run`, `post` and
 * `liquidate` take `<dataDir>/keeper.lock` (holding their pid and its start time) before opening the journal; a lock
 * left by a process that no longer exists (kill -9, power loss) is taken over, also when another process has its pid
 * by now (pids start over after a reboot): the start time tells them apart.
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

/** When process `pid` started (clock ticks after boot, field 22 of /proc/<pid>/stat), or undefined where unknown. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]; // fields after the command name start at field 3
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `lock` ("pid" or "pid starttime") still runs. */
function holderRuns(lock: string): { pid: number; runs: boolean } {
  const [pidText = "", started] = lock.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return { pid, runs: false };
  const now = started === undefined ? undefined : startTime(pid);
  return { pid, runs: now === undefined || now === started };
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
  const mine = `${process.pid} ${startTime(process.pid) ?? ""}`.trim();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: "wx" });
      return () => {
        try {
          if (readFileSync(path, "utf8") === mine) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = holderRuns(readFileSync(path, "utf8"));
      if (holder.runs) throw new DataDirLockedError(path, holder.pid);
      unlinkSync(path); // stale: its process is gone
    }
  }
  throw new Error(`cannot take the lock ${path}`);
}
