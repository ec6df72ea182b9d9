/**
 * SMPP 3.4 §5.1.3 command_status values and their effect on a retry. `temporary` follows
 * Kannel's smpp_status_to_smscconn_failure_reason (queue full, throttled, system error and the
 * receiver's temporary application error are worth retrying) plus the two bind-state errors,
 * which say the session is confused, not that the message is bad. Everything else, including
 * codes the table does not know, is permanent: a carrier that rejected the content or the
 * address will reject it again, and retrying unknown errors forever is how gateways get banned.
 */
import type { ConnectorError } from "../connectors/connector.ts"

/** The statuses the connector acts on or answers with (SMPP 3.4 §5.1.3). */
export const ESME_ROK = 0x00
export const ESME_RINVCMDLEN = 0x02
export const ESME_RINVCMDID = 0x03
export const ESME_RSYSERR = 0x08
export const ESME_RINVSRCADR = 0x0a
export const ESME_RINVDSTADR = 0x0b
export const ESME_RMSGQFUL = 0x14
export const ESME_RINVESMCLASS = 0x43
export const ESME_RTHROTTLED = 0x58
export const ESME_RX_T_APPN = 0x64
export const ESME_RINVOPTPARSTREAM = 0xc0
export const ESME_RMISSINGOPTPARAM = 0xc3
export const ESME_RINVOPTPARAMVAL = 0xc4

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
      // SMPP 5.0 §4.7.6: some SMSCs answer these to 3.4 binds too.
      [0x100, "ESME_RSERTYPUNAUTH", false, "ESME not authorised to use the service_type"],
      [0x101, "ESME_RPROHIBITED", false, "ESME prohibited from using the operation"],
      [0x102, "ESME_RSERTYPUNAVAIL", false, "Specified service_type is unavailable"],
      [0x103, "ESME_RSERTYPDENIED", false, "Specified service_type is denied"],
      [0x104, "ESME_RINVDCS", false, "Invalid data coding scheme"],
      [0x105, "ESME_RINVSRCADDRSUBUNIT", false, "Source address sub unit is invalid"],
      [0x106, "ESME_RINVDSTADDRSUBUNIT", false, "Destination address sub unit is invalid"],
      [0x107, "ESME_RINVBCASTFREQINT", false, "Broadcast frequency interval is invalid"],
      [0x108, "ESME_RINVBCASTALIAS_NAME", false, "Broadcast alias name is invalid"],
      [0x109, "ESME_RINVBCASTAREAFMT", false, "Broadcast area format is invalid"],
      [0x10a, "ESME_RINVNUMBCAST_AREAS", false, "Number of broadcast areas is invalid"],
      [0x10b, "ESME_RINVBCASTCNTTYPE", false, "Broadcast content type is invalid"],
      [0x10c, "ESME_RINVBCASTMSGCLASS", false, "Broadcast message class is invalid"],
      [0x10d, "ESME_RBCASTFAIL", false, "broadcast_sm failed"],
      [0x10e, "ESME_RBCASTQUERYFAIL", false, "query_broadcast_sm failed"],
      [0x10f, "ESME_RBCASTCANCELFAIL", false, "cancel_broadcast_sm failed"],
      [0x110, "ESME_RINVBCAST_REP", false, "Number of repeated broadcasts is invalid"],
      [0x111, "ESME_RINVBCASTSRVGRP", false, "Broadcast service group is invalid"],
      [0x112, "ESME_RINVBCASTCHANIND", false, "Broadcast channel indicator is invalid"],
    ] as const
  ).map(([status, name, temporary, description]) => [status, { name, temporary, description }]),
)

/** The spec name and retry class of a command_status; unknown values get a hex name. */
export function commandStatusInfo(status: number): CommandStatusInfo {
  const known = TABLE.get(status)
  if (known) return known
  // SMPP 3.4 §5.1.3: 0x100–0x3FF are reserved for SMPP extensions (5.0 uses 0x100–0x112),
  // 0x400–0x4FF for SMSC vendor specific errors.
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
