'use strict'
// kapture-crm: push customers into Kapture CRM from Node.js. The work happens
// in a Rust core (validation, pooled HTTPS, safe retries) on its own threads.
const native = require('./lib/native.js')
const errors = require('./lib/errors.js')
const { Client } = require('./lib/client.js')
const { encode } = require('./lib/encode.js')
const { Sandbox } = require('./lib/sandbox.js')
const { BulkRun } = require('./lib/bulk.js')
const { fromRow } = require('./lib/rows.js')
const { readRows, CellError } = require('./lib/read.js')

/** The request exactly as it would be sent; throws ValidationError. */
function toWire(request) {
  return JSON.parse(onText(native.toWire, request))
}

/** Checks a request without sending it; throws ValidationError. */
function validate(request) {
  onText(native.validate, request)
}

/** `fn` of the request's JSON text, its errors as this package's classes. */
function onText(fn, request) {
  const text = encode(request)
  try {
    return fn(text)
  } catch (error) {
    throw errors.translate(error)
  }
}

module.exports = {
  Client,
  Sandbox,
  BulkRun,
  toWire,
  validate,
  fromRow,
  readRows,
  CellError,
  version: native.version(),
  KaptureError: errors.KaptureError,
  ValidationError: errors.ValidationError,
  ConfigError: errors.ConfigError,
  ApiError: errors.ApiError,
  AuthenticationError: errors.AuthenticationError,
  RateLimitError: errors.RateLimitError,
  ServerError: errors.ServerError,
  TimeoutError: errors.TimeoutError,
  ConnectionError: errors.ConnectionError,
  UnexpectedResponseError: errors.UnexpectedResponseError,
  AbortedError: errors.AbortedError,
  ClosedError: errors.ClosedError,
  InternalError: errors.InternalError,
  OutcomeUnknownError: errors.OutcomeUnknownError,
}
