/**
 * Pure: an SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) as the connector's DeliveryReceipt. The
 * carrier id is TP-MR in decimal, the number +CMGS answered for the part it reports on.
 */
import type { SmsStatusReport } from "../codec/sms-pdu.ts"
import { hex2 } from "../codec/tpdu-fields.ts"
import type { DeliveryReceipt } from "../connectors/connector.ts"

/**
 * `stat` uses the SMPP 3.4 Appendix B names the dashboard already shows: DELIVRD, ENROUTE
 * (SC still trying), EXPIRED (0x46), DELETED (0x47, 0x48) or UNDELIV; `error` is TP-ST in hex.
 */
export function receiptFromReport(
  connectorId: string,
  report: SmsStatusReport,
  pdu: string,
): DeliveryReceipt {
  const st = report.status
  const stat =
    report.state === "delivered"
      ? "DELIVRD"
      : report.state === "pending"
        ? "ENROUTE"
        : report.state === "expired"
          ? "EXPIRED"
          : st === 0x47 || st === 0x48
            ? "DELETED"
            : "UNDELIV"
  return {
    connectorId,
    carrierId: String(report.messageReference),
    state: report.state,
    stat,
    error: report.state === "delivered" ? null : `0x${hex2(st)}`,
    doneAt: report.dischargedAt,
    raw: `TP-MR=${report.messageReference} TP-ST=0x${hex2(st)} (${report.description}) to ${report.recipient.value} pdu ${pdu}`,
    exactId: true,
  }
}
