/**
 * Typed AT command failures and the retry class of +CMS ERROR / +CME ERROR codes.
 *
 * "Temporary" means: the message may succeed later or through another connector (network,
 * SIM, modem or SMSC state). "Permanent" means: the network refused this message or this
 * destination for good, so retrying it is pointless. docs/modem.md carries the same table.
 */

export type AtErrorKind =
  /** No final result code within the command's deadline. */
  | "timeout"
  | "cme"
  | "cms"
  /** A plain ERROR (or a vendor synonym) without a code. */
  | "error"
  /** The tty vanished or the modem stopped answering altogether. */
  | "device_lost"
  /** The connector is stopping. */
  | "stopped"

export class AtError extends Error {
  constructor(
    readonly kind: AtErrorKind,
    /** The command as logged (a PIN is masked). */
    readonly command: string,
    readonly code: number | null = null,
    detail = "",
  ) {
    super(`${command}: ${describeKind(kind, code)}${detail ? ` (${detail})` : ""}`)
    this.name = "AtError"
  }

  /** Whether a message that failed with this error may be retried later or elsewhere. */
  get temporary(): boolean {
    if (this.kind === "cms" && this.code !== null) return cmsErrorClass(this.code).temporary
    if (this.kind === "cme" && this.code !== null) return cmeErrorClass(this.code).temporary
    return true
  }
}

/**
 * The modem answered, and said no: +CMS ERROR, +CME ERROR or ERROR. Not a timeout (it may have
 * carried the command out) nor a lost device.
 */
export function isRefusal(error: unknown): error is AtError {
  return (
    error instanceof AtError &&
    (error.kind === "cms" || error.kind === "cme" || error.kind === "error")
  )
}

function describeKind(kind: AtErrorKind, code: number | null): string {
  if (kind === "cms")
    return `+CMS ERROR: ${code ?? "?"}${code === null ? "" : ` ${cmsErrorClass(code).name}`}`
  if (kind === "cme")
    return `+CME ERROR: ${code ?? "?"}${code === null ? "" : ` ${cmeErrorClass(code).name}`}`
  if (kind === "error") return "ERROR"
  if (kind === "timeout") return "no answer before the deadline"
  if (kind === "device_lost") return "device lost"
  return "stopped"
}

export interface ErrorClass {
  name: string
  temporary: boolean
}

const T = true
const P = false

/**
 * +CMS ERROR <err> (TS 27.005 §3.2.5). 0-127 are RP-cause values of TS 24.011 §8.2.5.4 /
 * Annex E-2 (MO SM-transfer); 128-255 are TP-FCS values of TS 23.040 §9.2.3.22; 300-511 are
 * 27.005's own; 512+ are manufacturer specific.
 */
const CMS: ReadonlyMap<number, readonly [string, boolean]> = new Map([
  // TS 24.011 Annex E-2
  [1, ["unassigned (unallocated) number", P]],
  [8, ["operator determined barring", P]],
  [10, ["call barred", P]],
  [17, ["network failure", T]],
  [21, ["short message transfer rejected", P]],
  [22, ["congestion / memory capacity exceeded", T]],
  [27, ["destination out of service", P]],
  [28, ["unidentified subscriber", P]],
  [29, ["facility rejected", P]],
  [30, ["unknown subscriber", P]],
  [38, ["network out of order", T]],
  [41, ["temporary failure", T]],
  [42, ["congestion", T]],
  [47, ["resources unavailable, unspecified", T]],
  [50, ["requested facility not subscribed", P]],
  [69, ["requested facility not implemented", P]],
  [81, ["invalid short message transfer reference value", T]],
  [95, ["semantically incorrect message", P]],
  [96, ["invalid mandatory information", P]],
  [97, ["message type non-existent or not implemented", P]],
  [98, ["message not compatible with short message protocol state", T]],
  [99, ["information element non-existent or not implemented", P]],
  [111, ["protocol error, unspecified", T]],
  [127, ["interworking, unspecified", T]],
  // TS 23.040 §9.2.3.22 TP-FCS
  [128, ["telematic interworking not supported", P]],
  [129, ["short message type 0 not supported", P]],
  [130, ["cannot replace short message", P]],
  [143, ["unspecified TP-PID error", P]],
  [144, ["data coding scheme (alphabet) not supported", P]],
  [145, ["message class not supported", P]],
  [159, ["unspecified TP-DCS error", P]],
  [160, ["command cannot be actioned", P]],
  [161, ["command unsupported", P]],
  [175, ["unspecified TP-Command error", P]],
  [176, ["TPDU not supported", P]],
  [192, ["SC busy", T]],
  [193, ["no SC subscription", P]],
  [194, ["SC system failure", T]],
  [195, ["invalid SME address", P]],
  [196, ["destination SME barred", P]],
  [197, ["SM rejected-duplicate SM", P]],
  [198, ["TP-VPF not supported", P]],
  [199, ["TP-VP not supported", P]],
  [208, ["(U)SIM SMS storage full", T]],
  [209, ["no SMS storage capability in (U)SIM", T]],
  [210, ["error in MS", T]],
  [211, ["memory capacity exceeded", T]],
  [212, ["(U)SIM application toolkit busy", T]],
  [213, ["(U)SIM data download error", T]],
  [255, ["unspecified error cause", T]],
  // TS 27.005 §3.2.5
  [300, ["ME failure", T]],
  [301, ["SMS service of ME reserved", T]],
  [302, ["operation not allowed", T]],
  [303, ["operation not supported", P]],
  [304, ["invalid PDU mode parameter", P]],
  [305, ["invalid text mode parameter", P]],
  [310, ["(U)SIM not inserted", T]],
  [311, ["(U)SIM PIN required", T]],
  [312, ["PH-(U)SIM PIN required", T]],
  [313, ["(U)SIM failure", T]],
  [314, ["(U)SIM busy", T]],
  [315, ["(U)SIM wrong", T]],
  [316, ["(U)SIM PUK required", T]],
  [317, ["(U)SIM PIN2 required", T]],
  [318, ["(U)SIM PUK2 required", T]],
  [320, ["memory failure", T]],
  [321, ["invalid memory index", P]],
  [322, ["memory full", T]],
  [330, ["SMSC address unknown", T]],
  [331, ["no network service", T]],
  [332, ["network timeout", T]],
  [340, ["no +CNMA acknowledgement expected", T]],
  [500, ["unknown error", T]],
])

/**
 * Unlisted codes: an RP-cause (1-127) counts as 41 "temporary failure", as Table 8.4 (part 1) of
 * TS 24.011 says for the MO direction ("All other cause values shall be treated as cause number
 * 41"); unlisted TP-FCS values, 27.005 codes and manufacturer codes (512+, e.g. 513 "lower layer
 * failure") are temporary too: the retry budget bounds the cost of being wrong, while a wrong
 * "permanent" loses the message.
 */
export function cmsErrorClass(code: number): ErrorClass {
  const known = CMS.get(code)
  if (known) return { name: known[0], temporary: known[1] }
  if (code >= 512) return { name: "manufacturer specific", temporary: true }
  return { name: "unlisted", temporary: true }
}

/** +CME ERROR <err> (TS 27.007 §9.2). */
const CME: ReadonlyMap<number, readonly [string, boolean]> = new Map([
  [0, ["phone failure", T]],
  [3, ["operation not allowed", T]],
  [4, ["operation not supported", P]],
  [5, ["PH-SIM PIN required", T]],
  [10, ["SIM not inserted", T]],
  [11, ["SIM PIN required", T]],
  [12, ["SIM PUK required", T]],
  [13, ["SIM failure", T]],
  [14, ["SIM busy", T]],
  [15, ["SIM wrong", T]],
  [16, ["incorrect password", T]],
  [17, ["SIM PIN2 required", T]],
  [18, ["SIM PUK2 required", T]],
  [20, ["memory full", T]],
  [21, ["invalid index", P]],
  [22, ["not found", P]],
  [23, ["memory failure", T]],
  [30, ["no network service", T]],
  [31, ["network timeout", T]],
  [32, ["network not allowed - emergency calls only", T]],
  [100, ["unknown", T]],
])

export function cmeErrorClass(code: number): ErrorClass {
  const known = CME.get(code)
  if (known) return { name: known[0], temporary: known[1] }
  return { name: code >= 512 ? "manufacturer specific" : "unlisted", temporary: true }
}

/** +CMS ERROR 321, invalid memory index: the slot is empty (already read and deleted). */
const CMS_INVALID_INDEX = 321

/** The slot a +CMGR or +CMGD named is empty (+CMS ERROR 321): nothing there any more. */
export function isEmptySlot(error: unknown): boolean {
  return error instanceof AtError && error.kind === "cms" && error.code === CMS_INVALID_INDEX
}

/** +CME ERROR codes about the SIM itself (TS 27.007 §9.2.1). */
export const CME_SIM_NOT_INSERTED = 10
export const CME_SIM_PIN_REQUIRED = 11
export const CME_SIM_PUK_REQUIRED = 12
export const CME_SIM_FAILURE = 13
export const CME_SIM_BUSY = 14
export const CME_INCORRECT_PASSWORD = 16
