/**
 * The `[[connectors]]` TOML block of a modem connector on a fake modem's pty (test/fakes/modem.ts),
 * with timeouts short enough for tests: the simulator answers in milliseconds, and recovery
 * tests want a reopen within a tenth of a second. `extra` lines (e.g. `country = "GH"`) are
 * appended inside the block.
 */
export function modemConnector(
  device: string,
  { id = "modem-1", extra = "" }: { id?: string; extra?: string } = {},
): string {
  return `
[[connectors]]
id = ${JSON.stringify(id)}
type = "modem"
device = ${JSON.stringify(device)}
tps = 50
command_timeout_ms = 500
send_timeout_ms = 2000
poll_interval_ms = 100
registration_timeout_ms = 3000
reopen_min_ms = 20
reopen_max_ms = 100
${extra}
`
}

/**
 * An SMPP connector `id` bound to a fake SMSC on `port` (test/fakes/smsc.ts) with the fake's
 * credentials, and a catch-all route to it: the gateway of most carrier tests.
 */
export function smppCarrier(port: number, { id = "carrier" }: { id?: string } = {}): string {
  return `
[[connectors]]
id = ${JSON.stringify(id)}
type = "smpp"
host = "127.0.0.1"
port = ${port}
system_id = "gw"
password = "secret"
${catchAllRoute(id)}`
}

/** A `[[routes]]` block sending every number to connector `id`. */
export function catchAllRoute(id: string): string {
  return `
[[routes]]
prefix = "*"
connectors = [${JSON.stringify(id)}]
`
}
