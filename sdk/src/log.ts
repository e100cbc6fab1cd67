/**
 * Structured logs for the Marketplace, AIIDA instances and receivers: one
 * JSON object per line on stderr, so stdout stays free for the lines other
 * programs read (ready, pairing codes) and logs can be read by people and
 * shipped by machines alike. Node only.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A logger with fixed fields; `child` adds more. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Whether `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return value in rank;
}

/**
 * Makes a logger writing lines at `level` and above.
 *
 * @example
 * const log = createLogger("info", { component: "marketplace" });
 * log.info("listening", { port: 8080 });
 */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (at: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (rank[at] < rank[level]) return;
    write(
      JSON.stringify(
        { time: new Date().toISOString(), level: at, msg, ...base, ...fields },
        (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v),
      ),
    );
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

/** A logger that writes nothing, for tests that don't look at logs. */
export const silentLogger: Logger = createLogger("error", {}, () => {});
