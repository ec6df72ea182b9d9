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
