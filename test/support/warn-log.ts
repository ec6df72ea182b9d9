import pino from "pino"

export interface LogEntry {
  msg: string
  err?: string
  [field: string]: unknown
}

/** A warn-level pino logger whose lines the test reads back, parsed. */
export function warnLog() {
  const logs: LogEntry[] = []
  const logger = pino({ level: "warn" }, { write: (line: string) => logs.push(JSON.parse(line)) })
  return { logger, entries: () => logs, messages: () => logs.map((l) => l.msg) }
}
