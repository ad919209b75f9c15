'use strict'
// The error classes of kapture-crm. Every error has a stable `code` (the same
// names as the Python package's `code`), `outcomeUnknown` (true when the
// customer may exist although the call failed), and keeps its cause.
//
// Every error whose outcome is unknown is an OutcomeUnknownError, whatever
// failed (its `code` says what: 'timeout', 'connection', 'server', ...):
// never an ApiError ("the CRM refused") nor a TimeoutError/ConnectionError
// (failures known not to have been processed, safe to retry), so a retry
// rule or a catch written for those cannot send a customer twice. The core
// decides the class (`Error::class()`); the payload carries it.

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

/** 503: not processed (500/502/504 are OutcomeUnknownError, code 'server'). */
class ServerError extends ApiError {
  constructor(message, props = {}, options) {
    super(message, { code: 'server', ...props }, options)
  }
}

/** The request may have reached Kapture: look the customer up before sending again. */
class OutcomeUnknownError extends KaptureError {
  constructor(message, props = {}, options) {
    super(message, { code: 'outcome_unknown', ...props, outcomeUnknown: true }, options)
    /** HTTP status when a reply came (500, 502, 504, a 2xx page), else 0. */
    this.status = props.status ?? 0
    this.body = props.body ?? ''
    // An abort stays recognisable the way fetch's is.
    if (this.code === 'aborted') this.name = 'AbortError'
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
  OutcomeUnknownError,
  UnexpectedResponseError,
  AbortedError,
  ClosedError,
  InternalError,
}

/** The class of each value of the core's `Error::class()`. */
const BY_CLASS = {
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
  outcome_unknown: OutcomeUnknownError,
}

/** An error from a payload built by the native side (`src/error.rs`). */
function fromPayload(payload, nativeError) {
  const Class = BY_CLASS[payload.class ?? payload.code] ?? KaptureError
  const cause = payload.cause !== undefined ? new Error(payload.cause) : nativeError
  const { message, cause: _cause, class: _class, ...props } = payload
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
  return new OutcomeUnknownError(`kapture-crm internal error: ${text}`, { code: 'internal' }, { cause: error })
}

module.exports = { ...CLASSES, BY_CLASS, translate, fromPayload }
