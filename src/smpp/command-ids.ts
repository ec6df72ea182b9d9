/** SMPP 3.4 §5.1.2 command_id values the session handles. */
export const GENERIC_NACK = 0x80000000
export const SUBMIT_SM = 0x00000004
export const SUBMIT_SM_RESP = 0x80000004
export const DELIVER_SM = 0x00000005
export const UNBIND = 0x00000006
export const UNBIND_RESP = 0x80000006
export const BIND_TRANSCEIVER_RESP = 0x80000009
export const ENQUIRE_LINK = 0x00000015
export const ENQUIRE_LINK_RESP = 0x80000015
export const ALERT_NOTIFICATION = 0x00000102
export const DATA_SM = 0x00000103
export const RESPONSE_BIT = 0x80000000
