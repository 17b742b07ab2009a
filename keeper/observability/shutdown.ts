/**
 * Graceful shutdown: one AbortController for every loop; SIGINT/SIGTERM/SIGHUP abort it and run cleanup hooks once.
 * With `exitWithParent`, the parent process exiting does too (npm does not forward SIGHUP to the script it runs: it
 * exits and would leave the keeper orphaned).
 */
import type { Logger } from "./log.js";

export interface Shutdown {
  /** Aborted when shutdown starts; pass it to every loop, sleep and fetch. */
  signal: AbortSignal;
  /** Registers cleanup (flush journal, close server); hooks run in reverse order of registration. */
  onShutdown(hook: () => void | Promise<void>): void;
  /** Starts shutdown (idempotent); resolves when every hook has run. */
  shutdown(reason: string): Promise<void>;
  /** Resolves when shutdown has completed. */
  done: Promise<void>;
}

export interface ShutdownOptions {
  signals?: NodeJS.Signals[];
  /** Shut down when the parent process exits (checked every `parentPollMs`, default 500 ms). */
  exitWithParent?: boolean;
  parentPollMs?: number;
}

export function createShutdown(log: Logger, options: ShutdownOptions = {}): Shutdown {
  const controller = new AbortController();
  const hooks: Array<() => void | Promise<void>> = [];
  let running: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const signals = options.signals ?? ["SIGINT", "SIGTERM", "SIGHUP"];

  const onSignal = (sig: NodeJS.Signals) => void shutdown(`signal ${sig}`);
  for (const s of signals) process.on(s, onSignal);
  // An orphan is re-parented (to init or a subreaper): its ppid changes.
  const parent = process.ppid;
  const parentWatch = options.exitWithParent
    ? setInterval(() => {
        if (process.ppid !== parent) void shutdown(`parent process ${parent} exited`);
      }, options.parentPollMs ?? 500).unref()
    : undefined;

  function shutdown(reason: string): Promise<void> {
    if (running) return running;
    running = (async () => {
      log.info("shutting down", { reason });
      clearInterval(parentWatch);
      controller.abort(new Error(`shutdown: ${reason}`));
      for (const hook of hooks.reverse()) {
        try {
          await hook();
        } catch (e) {
          log.error("shutdown hook failed", { error: e });
        }
      }
      // Handlers stay installed until the end: a second Ctrl-C while hooks run is ignored, not a hard exit.
      for (const s of signals) process.off(s, onSignal);
      log.info("shutdown complete");
      resolveDone();
    })();
    return running;
  }

  return { signal: controller.signal, onShutdown: (h) => void hooks.push(h), shutdown, done };
}

/** Waits `ms` or until `signal` aborts (then resolves early, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
