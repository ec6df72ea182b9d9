/**
 * The AT initialisation sequence of a freshly opened modem (TS 27.007, TS 27.005), up to network
 * registration:
 *
 *   ATE0 · +CMEE=1 · +CPIN? [+CPIN="…"] · +CMGF=0 · +CSMS=0 · +CPMS=? · +CPMS="SM","SM","SM" · +CNMI=…
 *   · [+CSCA="…"] · +CREG=1 · +CNUM · +CREG? until registered
 *
 * Commands marked optional in the code may be refused (ERROR, +CME/+CMS ERROR) without failing
 * the sequence. A SIM problem an operator must fix throws Halt; anything else throws an Error
 * and the session reopens the device later.
 */
import type { Logger } from "../lib/logger.ts"
import { ownNumberOf } from "./addresses.ts"
import type { AtCommand, AtResult } from "./at-engine.ts"
import {
  AtError,
  CME_INCORRECT_PASSWORD,
  CME_SIM_BUSY,
  CME_SIM_FAILURE,
  CME_SIM_NOT_INSERTED,
  CME_SIM_PIN_REQUIRED,
  CME_SIM_PUK_REQUIRED,
  isRefusal,
} from "./at-errors.ts"
import {
  parseCnum,
  parseCpin,
  parseCpms,
  parseCpmsSupported,
  parseCregQuery,
} from "./at-responses.ts"
import type { SessionConfig, SessionFacts } from "./modem-session.ts"

/** The message storage read, written and received into (TS 27.005 §3.2.2). */
export const STORAGE = "SM"

/**
 * +CNMI=<mode>,<mt>,<bm>,<ds>,<bfr> (TS 27.005 §3.4.1), tried in order: mode 2 buffers URCs
 * while the link is busy; mt 1 stores an SMS-DELIVER and sends +CMTI; ds 1 routes status reports
 * as +CDS, ds 2 stores them with +CDSI; the last line gives up on status reports.
 */
export const CNMI_CHOICES = [
  { command: "AT+CNMI=2,1,0,1,0", reports: "cds" },
  { command: "AT+CNMI=2,1,0,2,0", reports: "cdsi" },
  { command: "AT+CNMI=1,1,0,1,0", reports: "cds" },
  { command: "AT+CNMI=2,1,0,0,0", reports: "none" },
] as const

const SIM_BUSY_RETRIES = 5
const SIM_BUSY_WAIT_MS = 1_000
const REGISTRATION_POLL_MAX_MS = 1_000
const ALIVE_TRIES = 3

/** A SIM state that retrying could make worse (a locked SIM): the session stops. */
export class Halt extends Error {}

export interface InitContext {
  config: SessionConfig
  facts: SessionFacts
  log: Logger
  run(command: AtCommand): Promise<AtResult>
  sleep(ms: number): Promise<void>
  noteRegistration(stat: number): void
  registered(): boolean
  /** PIN submissions since the SIM last said READY; survives reopen cycles (see unlockSim). */
  pin: { attempts: number }
}

export async function initialiseModem(ctx: InitContext): Promise<void> {
  await wakeUp(ctx)
  await optional(ctx, "AT+CMEE=1")
  await unlockSim(ctx)
  await ctx.run({ command: "AT+CMGF=0" })
  await optional(ctx, "AT+CSMS=0")
  // Which storages exist: the inbox also lists "SR", where status reports wait (TS 27.005 §3.2.2).
  const supported = await optional(ctx, "AT+CPMS=?")
  ctx.facts.readStorages = supported ? parseCpmsSupported(supported.lines) : []
  const storage =
    (await optional(ctx, `AT+CPMS="${STORAGE}","${STORAGE}","${STORAGE}"`)) ??
    (await ctx.run({ command: `AT+CPMS="${STORAGE}"` }))
  noteStorage(ctx.facts, storage.lines)
  await configureIndications(ctx)
  if (ctx.config.smsc) {
    const toa = ctx.config.smsc.startsWith("+") ? 145 : 129
    await ctx.run({ command: `AT+CSCA="${ctx.config.smsc}",${toa}` })
  }
  await optional(ctx, "AT+CREG=1")
  const cnum = await optional(ctx, "AT+CNUM")
  ctx.facts.ownNumber = cnum ? ownNumberOf(parseCnum(cnum.lines), ctx.config.country) : null
  await waitForRegistration(ctx)
}

/** Runs a command the modem may refuse; a refusal gives null, other failures throw. */
export async function optional(
  ctx: Pick<InitContext, "run" | "log">,
  command: string,
): Promise<AtResult | null> {
  try {
    return await ctx.run({ command })
  } catch (error) {
    if (isRefusal(error)) {
      ctx.log.debug({ command, err: error.message }, "optional modem command refused")
      return null
    }
    throw error
  }
}

export function noteStorage(
  facts: Pick<SessionFacts, "simUsed" | "simTotal">,
  lines: readonly string[],
): void {
  const usage = parseCpms(lines)
  // A health poll between the inbox's select of "SR" and its switch back reads SR's counts.
  if (usage && (usage.mem1 === null || usage.mem1 === STORAGE)) {
    facts.simUsed = usage.used
    facts.simTotal = usage.total
  }
}

/** ATE0 until the modem answers: it may still be booting or sending garbage. */
async function wakeUp(ctx: InitContext): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await ctx.run({ command: "ATE0" })
      return
    } catch (error) {
      if (!(error instanceof AtError) || error.kind !== "timeout" || i >= ALIVE_TRIES) throw error
    }
  }
}

/**
 * +CPIN? (TS 27.007 §8.3). "SIM busy" is waited out; a missing SIM is retried by the session; a
 * PIN is sent at most once between READY answers, and a refused PIN, a PUK request, or a PIN
 * request without a configured PIN halts: a retry loop could lock the SIM.
 */
async function unlockSim(ctx: InitContext): Promise<void> {
  const { facts, config } = ctx
  for (let busy = 0; ; ) {
    let status: ReturnType<typeof parseCpin>
    try {
      status = parseCpin((await ctx.run({ command: "AT+CPIN?" })).lines)
    } catch (error) {
      if (!(error instanceof AtError) || error.kind !== "cme") throw error
      if (error.code === CME_SIM_BUSY && busy++ < SIM_BUSY_RETRIES) {
        await ctx.sleep(Math.min(SIM_BUSY_WAIT_MS, config.commandTimeoutMs))
        continue
      }
      if (error.code === CME_SIM_NOT_INSERTED || error.code === CME_SIM_FAILURE) {
        facts.sim = "absent"
        throw new Error(`SIM not usable (+CME ERROR: ${error.code})`)
      }
      if (error.code === CME_SIM_PIN_REQUIRED) status = { status: "pin_required", code: "SIM PIN" }
      else if (error.code === CME_SIM_PUK_REQUIRED)
        status = { status: "puk_required", code: "SIM PUK" }
      else throw error
    }
    if (status === null) throw new Error("unreadable +CPIN answer")
    if (status.status === "ready") {
      facts.sim = "ready"
      ctx.pin.attempts = 0
      return
    }
    if (status.status !== "pin_required") {
      facts.sim = "pin_error"
      throw new Halt(`SIM wants "${status.code}"; not retrying to protect the SIM`)
    }
    if (config.pin === null) {
      facts.sim = "pin_required"
      throw new Halt("SIM PIN required but no pin is configured")
    }
    if (ctx.pin.attempts >= 1) {
      facts.sim = "pin_error"
      throw new Halt(
        "SIM still asks for its PIN after one attempt; not retrying to protect the SIM",
      )
    }
    ctx.pin.attempts++
    try {
      // logAs keeps the PIN out of the engine's logs and errors.
      await ctx.run({ command: `AT+CPIN="${config.pin}"`, logAs: 'AT+CPIN="****"' })
    } catch (error) {
      if (isRefusal(error)) {
        facts.sim = "pin_error"
        const wrong = error.kind === "cme" && error.code === CME_INCORRECT_PASSWORD
        throw new Halt(
          wrong ? "SIM refused the PIN (+CME ERROR: 16)" : `SIM PIN entry failed: ${error.message}`,
        )
      }
      throw error
    }
  }
}

async function configureIndications(ctx: InitContext): Promise<void> {
  for (const choice of CNMI_CHOICES) {
    if (await optional(ctx, choice.command)) {
      ctx.facts.statusReports = choice.reports
      return
    }
  }
  throw new Error("the modem accepts no +CNMI setting for new-message indications")
}

/** +CREG? until <stat> is 1 (home) or 5 (roaming), woken early by a +CREG URC. */
async function waitForRegistration(ctx: InitContext): Promise<void> {
  const { config } = ctx
  const deadline = Date.now() + config.registrationTimeoutMs
  for (;;) {
    const stat = parseCregQuery((await ctx.run({ command: "AT+CREG?" })).lines)
    if (stat !== null) ctx.noteRegistration(stat)
    if (ctx.registered()) return
    const left = deadline - Date.now()
    if (left <= 0) {
      throw new Error(
        `not registered after ${config.registrationTimeoutMs} ms (${ctx.facts.registration})`,
      )
    }
    await ctx.sleep(Math.min(left, config.pollIntervalMs, REGISTRATION_POLL_MAX_MS))
    if (ctx.registered()) return
  }
}
