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
}

/** An error from a payload built by the native side (`src/error.rs`). */
function fromPayload(payload, nativeError) {
  const Class = CLASSES[payload.class] ?? KaptureError
  const cause = payload.cause !== undefined ? new Error(payload.cause) : nativeError
  const { class: _class, message, cause: _cause, ...props } = payload
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
  return new KaptureError(`kapture-crm internal error: ${text}`, { code: 'internal' }, { cause: error })
}

module.exports = { ...CLASSES, translate, fromPayload }
