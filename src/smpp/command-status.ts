/**
 * SMPP 3.4 §5.1.3 command_status values and their effect on a retry. `temporary` follows
 * Kannel's smpp_status_to_smscconn_failure_reason (queue full, throttled, system error and the
 * receiver's temporary application error are worth retrying) plus the two bind-state errors,
 * which say the session is confused, not that the message is bad. Everything else, including
 * codes the table does not know, is permanent: a carrier that rejected the content or the
 * address will reject it again, and retrying unknown errors forever is how gateways get banned.
 */
import type { ConnectorError } from "../connectors/connector.ts"

export interface CommandStatusInfo {
  name: string
  temporary: boolean
  description: string
}

const TABLE: ReadonlyMap<number, CommandStatusInfo> = new Map(
  (
    [
      [0x00, "ESME_ROK", false, "No error"],
      [0x01, "ESME_RINVMSGLEN", false, "Message length is invalid"],
      [0x02, "ESME_RINVCMDLEN", false, "Command length is invalid"],
      [0x03, "ESME_RINVCMDID", false, "Invalid command ID"],
      [0x04, "ESME_RINVBNDSTS", true, "Incorrect bind status for given command"],
      [0x05, "ESME_RALYBND", true, "ESME already in bound state"],
      [0x06, "ESME_RINVPRTFLG", false, "Invalid priority flag"],
      [0x07, "ESME_RINVREGDLVFLG", false, "Invalid registered delivery flag"],
      [0x08, "ESME_RSYSERR", true, "System error"],
      [0x0a, "ESME_RINVSRCADR", false, "Invalid source address"],
      [0x0b, "ESME_RINVDSTADR", false, "Invalid destination address"],
      [0x0c, "ESME_RINVMSGID", false, "Message ID is invalid"],
      [0x0d, "ESME_RBINDFAIL", false, "Bind failed"],
      [0x0e, "ESME_RINVPASWD", false, "Invalid password"],
      [0x0f, "ESME_RINVSYSID", false, "Invalid system ID"],
      [0x11, "ESME_RCANCELFAIL", false, "cancel_sm failed"],
      [0x13, "ESME_RREPLACEFAIL", false, "replace_sm failed"],
      [0x14, "ESME_RMSGQFUL", true, "Message queue full"],
      [0x15, "ESME_RINVSERTYP", false, "Invalid service type"],
      [0x33, "ESME_RINVNUMDESTS", false, "Invalid number of destinations"],
      [0x34, "ESME_RINVDLNAME", false, "Invalid distribution list name"],
      [0x40, "ESME_RINVDESTFLAG", false, "Destination flag is invalid"],
      [0x42, "ESME_RINVSUBREP", false, "Invalid submit with replace request"],
      [0x43, "ESME_RINVESMCLASS", false, "Invalid esm_class field data"],
      [0x44, "ESME_RCNTSUBDL", false, "Cannot submit to distribution list"],
      [0x45, "ESME_RSUBMITFAIL", false, "submit_sm or submit_multi failed"],
      [0x48, "ESME_RINVSRCTON", false, "Invalid source address TON"],
      [0x49, "ESME_RINVSRCNPI", false, "Invalid source address NPI"],
      [0x50, "ESME_RINVDSTTON", false, "Invalid destination address TON"],
      [0x51, "ESME_RINVDSTNPI", false, "Invalid destination address NPI"],
      [0x53, "ESME_RINVSYSTYP", false, "Invalid system_type field"],
      [0x54, "ESME_RINVREPFLAG", false, "Invalid replace_if_present flag"],
      [0x55, "ESME_RINVNUMMSGS", false, "Invalid number of messages"],
      [
        0x58,
        "ESME_RTHROTTLED",
        true,
        "Throttling error (ESME has exceeded allowed message limits)",
      ],
      [0x61, "ESME_RINVSCHED", false, "Invalid scheduled delivery time"],
      [0x62, "ESME_RINVEXPIRY", false, "Invalid message validity period (expiry time)"],
      [0x63, "ESME_RINVDFTMSGID", false, "Predefined message invalid or not found"],
      [0x64, "ESME_RX_T_APPN", true, "ESME receiver temporary app error code"],
      [0x65, "ESME_RX_P_APPN", false, "ESME receiver permanent app error code"],
      [0x66, "ESME_RX_R_APPN", false, "ESME receiver reject message error code"],
      [0x67, "ESME_RQUERYFAIL", false, "query_sm request failed"],
      [0xc0, "ESME_RINVOPTPARSTREAM", false, "Error in the optional part of the PDU body"],
      [0xc1, "ESME_ROPTPARNOTALLWD", false, "Optional parameter not allowed"],
      [0xc2, "ESME_RINVPARLEN", false, "Invalid parameter length"],
      [0xc3, "ESME_RMISSINGOPTPARAM", false, "Expected optional parameter missing"],
      [0xc4, "ESME_RINVOPTPARAMVAL", false, "Invalid optional parameter value"],
      [0xfe, "ESME_RDELIVERYFAILURE", false, "Delivery failure (data_sm_resp)"],
      [0xff, "ESME_RUNKNOWNERR", false, "Unknown error"],
    ] as const
  ).map(([status, name, temporary, description]) => [status, { name, temporary, description }]),
)

/** The spec name and retry class of a command_status; unknown values get a hex name. */
export function commandStatusInfo(status: number): CommandStatusInfo {
  const known = TABLE.get(status)
  if (known) return known
  // SMPP 3.4 §5.1.3: 0x400–0x4FF are reserved for SMSC vendor specific errors.
  const vendor = status >= 0x400 && status <= 0x4ff
  return {
    name: `command_status_0x${status.toString(16).padStart(8, "0")}`,
    temporary: false,
    description: vendor ? "SMSC vendor specific error" : "Reserved command_status",
  }
}

export function commandStatusName(status: number): string {
  return commandStatusInfo(status).name
}

export function isTemporaryStatus(status: number): boolean {
  return commandStatusInfo(status).temporary
}

/** A submit_sm_resp (or generic_nack) status as the connector interface reports it. */
export function submitStatusError(status: number, command = "submit_sm_resp"): ConnectorError {
  const info = commandStatusInfo(status)
  return {
    code: info.name,
    status,
    temporary: info.temporary,
    message: `${command} ${info.name}: ${info.description}`,
  }
}

/** Every entry, for docs and tests. */
export function commandStatusTable(): ReadonlyArray<[number, CommandStatusInfo]> {
  return [...TABLE]
}
