'use strict'
// The error classes of kapture-crm. Every error has a stable `code` (the same
// names as the Python package's `code`), `outcomeUnknown` (true when the
// customer may exist although the call failed), and keeps its cause.

const MARKER = 'KAPTURE_ERROR:'

class KaptureError extends Error {
  constructor(message, props = {}, options = undefined) {
    super(message, options)
    this.name = new.target.name
    this.code = props.code ?? 'kapture'
    this.outcomeUnknown = props.outcomeUnknown ?? false
  }
}

class ValidationError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'validation', ...props }, options)
    /** Every problem: `{ path, message }`, e.g. `contact_info[0].dob`. */
    this.errors = props.errors ?? []
  }
}

class ConfigError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'config', ...props }, options)
  }
}

class ApiError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'api', ...props }, options)
    /** HTTP status of the reply. */
    this.status = props.status ?? 0
    /** The reply body, cut to 4 KiB. */
    this.body = props.body ?? ''
    /** The ids a "Lead already exists, Customer ID :N, ..." refusal names; null otherwise. */
    this.existingCustomerId = props.existingCustomerId ?? null
    this.existingContactId = props.existingContactId ?? null
  }
}

class AuthenticationError extends ApiError {
  constructor(message, props = {}, options) {
    super(message, { code: 'authentication', ...props }, options)
  }
}

class RateLimitError extends ApiError {
  constructor(message, props = {}, options) {
    super(message, { code: 'rate_limited', ...props }, options)
    /** Seconds the server asked to wait, or null. */
    this.retryAfter = props.retryAfter ?? null
  }
}

class ServerError extends ApiError {
  constructor(message, props = {}, options) {
    super(message, { code: 'server', ...props }, options)
  }
}

class TimeoutError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'timeout', ...props }, options)
  }
}

class ConnectionError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'connection', ...props }, options)
  }
}

class UnexpectedResponseError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'unexpected_response', ...props }, options)
    this.status = props.status ?? 0
    this.body = props.body ?? ''
  }
}

class AbortedError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'aborted', ...props }, options)
    // As fetch's: `error.name === 'AbortError'` is how callers spot an abort.
    this.name = 'AbortError'
  }
}

/** The client was closed; nothing was sent. */
class ClosedError extends ConfigError {
  constructor(message, props = {}, options) {
    super(message, { code: 'closed', ...props }, options)
  }
}

/** A defect of this SDK, caught instead of crashing (please report it). */
class InternalError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'internal', ...props }, options)
  }
}

const CLASSES = {
  KaptureError,
  ValidationError,
  ConfigError,
  ApiError,
  AuthenticationError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ConnectionError,
  UnexpectedResponseError,
  AbortedError,
  ClosedError,
  InternalError,
}

/** The class of each core error code (`Error::code()` in the Rust core). */
const BY_CODE = {
  validation: ValidationError,
  config: ConfigError,
  authentication: AuthenticationError,
  rate_limited: RateLimitError,
  api: ApiError,
  server: ServerError,
  timeout: TimeoutError,
  connection: ConnectionError,
  unexpected_response: UnexpectedResponseError,
  aborted: AbortedError,
  closed: ClosedError,
  internal: InternalError,
}

/** An error from a payload built by the native side (`src/error.rs`). */
function fromPayload(payload, nativeError) {
  const Class = BY_CODE[payload.code] ?? KaptureError
  const cause = payload.cause !== undefined ? new Error(payload.cause) : nativeError
  const { message, cause: _cause, ...props } = payload
  return new Class(message, props, cause !== undefined ? { cause } : undefined)
}

/** Any error thrown by the native side as one of the classes above. */
function translate(error) {
  if (error instanceof KaptureError) return error
  const text = error && typeof error.message === 'string' ? error.message : String(error)
  const at = text.indexOf(MARKER)
  if (at >= 0) {
    try {
      return fromPayload(JSON.parse(text.slice(at + MARKER.length)))
    } catch (_) {
      // fall through: not a payload after all
    }
  }
  return new InternalError(`kapture-crm internal error: ${text}`, { outcomeUnknown: true }, { cause: error })
}

module.exports = { ...CLASSES, BY_CODE, translate, fromPayload }
