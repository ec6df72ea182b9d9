/**
 * Error thrown by the pure codecs. `code` is stable and machine-readable; callers map it to an
 * AppError (e.g. "message_too_long") at the service boundary.
 */
export type CodecErrorCode = "message_too_long" | "empty_message" | "invalid_udh" | "unencodable"

export class CodecError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = "CodecError"
    this.code = code
  }
}
