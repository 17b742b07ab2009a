/** Graceful shutdown: one AbortController for every loop; SIGINT/SIGTERM/SIGHUP abort it and run cleanup hooks once. */
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

export function createShutdown(log: Logger, options: { signals?: NodeJS.Signals[] } = {}): Shutdown {
  const controller = new AbortController();
  const hooks: Array<() => void | Promise<void>> = [];
  let running: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const signals = options.signals ?? ["SIGINT", "SIGTERM", "SIGHUP"];

  const onSignal = (sig: NodeJS.Signals) => void shutdown(`signal ${sig}`);
  for (const s of signals) process.on(s, onSignal);

  function shutdown(reason: string): Promise<void> {
    if (running) return running;
    running = (async () => {
      log.info("shutting down", { reason });
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
