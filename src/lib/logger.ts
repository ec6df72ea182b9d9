import pino, { type Logger } from "pino"

export type { Logger }

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent"

/**
 * JSON lines to stdout (pino). Secrets never reach a log: keys, passwords and auth headers are
 * redacted by path as a second line of defence; code must not log them in the first place.
 */
export function createLogger(level: LogLevel = "info"): Logger {
  return pino({
    level,
    base: { app: "signalbox" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "password",
        "*.password",
        "admin_key",
        "*.admin_key",
        "authorization",
        "*.authorization",
        "key",
        "*.key",
      ],
      censor: "[redacted]",
    },
  })
}

export const silentLogger: Logger = pino({ level: "silent" })
