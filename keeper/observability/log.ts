/**
 * Structured JSON logs on pino: one JSON object per line (`time` ISO 8601, `level` as a word, `msg`, fields),
 * child loggers with fields, secrets redacted, bigints as strings, errors with their cause chain. `RateLimiter`
 * folds a warning repeated for the same key into one line per interval with a count, and logs the recovery.
 */
import { pino } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ component: "sender" }`). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (without the newline); defaults to stdout, written synchronously. */
  write?: (line: string) => void;
  /** Clock for the `time` field; defaults to Date.now. */
  now?: () => number;
}

/** Field names whose values are never written (matched case-insensitively anywhere in the key). */
const SECRET_KEY = /pass(word|phrase)?|secret|private.?key|mnemonic|seed|authorization|api.?key|(auth|access|bearer).?token/i;

export const REDACTED = "[redacted]";

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value);
}

/** A log-safe label for a URL: scheme, host and port only (paths and queries often carry API keys). */
export function urlLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "invalid-url";
  }
}

/**
 * Converts a value to something JSON.stringify accepts: bigint -> string, secrets hidden, Error -> {name, message,
 * details?, cause?} with the whole cause chain (viem's short message and details; the root cause is kept).
 */
export function sanitize(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[depth]";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const e = value as Error & { shortMessage?: unknown; details?: unknown; cause?: unknown; code?: unknown };
    const out: LogFields = { name: e.name, message: typeof e.shortMessage === "string" ? e.shortMessage : e.message };
    if (typeof e.details === "string" && e.details && e.details !== out.message) out.details = e.details;
    if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
    if (e.cause !== undefined && e.cause !== e) out.cause = sanitize(e.cause, depth + 1);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: LogFields = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : sanitize(v, depth + 1);
    return out;
  }
  return value;
}

/** The innermost cause's message of an error chain ("connect ECONNREFUSED 127.0.0.1:1" under viem's wrappers). */
export function rootCause(e: unknown): string {
  let cur: unknown = e;
  for (let i = 0; i < 10 && cur instanceof Error && cur.cause instanceof Error; i++) cur = cur.cause;
  const text = cur instanceof Error ? ((cur as { shortMessage?: unknown }).shortMessage ?? cur.message) : cur;
  return String(text).split("\n")[0] ?? "";
}

/** An error as one line for a command's stderr: its short message, and its root cause when that adds something. */
export function errorLine(e: unknown): string {
  const m = e instanceof Error ? ((e as { shortMessage?: string }).shortMessage ?? e.message) : String(e);
  const root = rootCause(e);
  return root && root !== m && !m.includes(root) ? `${m}: ${root}` : m;
}

function wrap(p: pino.Logger): Logger {
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (!p.isLevelEnabled(level)) return;
    if (fields) p[level](sanitize(fields) as object, msg);
    else p[level](msg);
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => wrap(p.child(sanitize(fields) as LogFields)),
  };
}

export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const now = options.now ?? Date.now;
  const write = options.write;
  const destination = write ? { write: (s: string) => write(s.endsWith("\n") ? s.slice(0, -1) : s) } : pino.destination({ dest: 1, sync: true });
  const p = pino(
    {
      level: options.level ?? "info",
      base: undefined,
      messageKey: "msg",
      serializers: { err: (v: unknown) => v }, // errors are already sanitized (cause chain kept)
      timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(Object.keys(base).length ? p.child(sanitize(base) as LogFields) : p);
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = wrap(pino({ level: "silent" }));

/**
 * Rate-limits a repeated warning per key: the first occurrence is logged at once, later ones within `intervalMs`
 * are counted and the next line carries `repeated` (how many were folded into it); `recovered` logs once, at info,
 * when a key that warned is fine again (with the total count), and forgets the key.
 */
export class RateLimiter {
  private readonly keys = new Map<string, { lastMs: number; suppressed: number; total: number }>();
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  warn(log: Logger, key: string, msg: string, fields: LogFields = {}): void {
    this.emit(log, "warn", key, msg, fields);
  }

  error(log: Logger, key: string, msg: string, fields: LogFields = {}): void {
    this.emit(log, "error", key, msg, fields);
  }

  private emit(log: Logger, level: "warn" | "error", key: string, msg: string, fields: LogFields): void {
    const t = this.now();
    const k = this.keys.get(key);
    if (!k) {
      this.keys.set(key, { lastMs: t, suppressed: 0, total: 1 });
      log[level](msg, fields);
      return;
    }
    k.total++;
    if (t - k.lastMs < this.intervalMs) {
      k.suppressed++;
      return;
    }
    log[level](msg, { ...fields, repeated: k.suppressed + 1, total: k.total });
    k.lastMs = t;
    k.suppressed = 0;
  }

  recovered(log: Logger, key: string, msg: string, fields: LogFields = {}): void {
    const k = this.keys.get(key);
    if (!k) return;
    this.keys.delete(key);
    log.info(msg, { ...fields, failures: k.total });
  }
}
