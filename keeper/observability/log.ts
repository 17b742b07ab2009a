/** Structured JSON logs: one JSON object per line, levels, child loggers with fields, secrets redacted. */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

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
  /** Where lines go; defaults to stdout. */
  write?: (line: string) => void;
  /** Clock for the `time` field; defaults to Date.now. */
  now?: () => number;
}

/** Field names whose values are never written (matched case-insensitively anywhere in the key). */
const SECRET_KEY = /pass(word|phrase)?|secret|private.?key|mnemonic|seed|authorization|api.?key|(auth|access|bearer).?token/i;

export const REDACTED = "[redacted]";

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && value in LEVELS;
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

/** Converts a value to something JSON.stringify accepts: bigint -> string, Error -> {name, message}, secrets hidden. */
export function sanitize(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const out: LogFields = { name: value.name, message: value.message };
    const short = (value as { shortMessage?: unknown }).shortMessage;
    if (typeof short === "string") out.message = short;
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

export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(line + "\n"));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const record = sanitize({ ...base, ...fields }) as LogFields;
    write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...record }));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = createLogger({ write: () => {} });
