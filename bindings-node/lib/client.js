'use strict'
const util = require('node:util')
const native = require('../native.js')
const { translate, ValidationError } = require('./errors.js')
const { BulkRun } = require('./bulk.js')

/** JSON text of a request; what JSON cannot hold is a ValidationError. */
function encode(request) {
  let text
  try {
    text = JSON.stringify(request)
  } catch (error) {
    throw new ValidationError(`invalid request: ${error.message}`, {
      errors: [{ path: '', message: error.message }],
    }, { cause: error })
  }
  if (text === undefined) {
    throw new ValidationError('invalid request: expected an object with customer_info', {
      errors: [{ path: '', message: `expected an object, got ${typeof request}` }],
    })
  }
  return text
}

class Client {
  #native

  /**
   * @param {object} [options] token, subdomain, baseUrl, timeoutMs (30000),
   *   connectTimeoutMs (5000), maxRetries (2), retryUnknownOutcome, userAgent, caFile.
   *   Missing values come from KAPTURE_TOKEN, KAPTURE_SUBDOMAIN, KAPTURE_BASE_URL.
   */
  constructor(options = {}) {
    try {
      this.#native = new native.NativeClient(options)
    } catch (error) {
      throw translate(error)
    }
  }

  /** The Add Customer URL this client sends to. */
  get endpoint() {
    return this.#native.endpoint
  }

  /** Validates, sends, resolves with the parsed reply (every field kept). */
  async addCustomer(request) {
    const text = encode(request)
    let reply
    try {
      reply = await this.#native.addCustomer(text)
    } catch (error) {
      throw translate(error)
    }
    return JSON.parse(reply)
  }

  /**
   * Many customers, `concurrency` at a time, at most `rate` per second (the
   * pace also drops by itself on 429/503 and recovers). Returns a run that is both an
   * async iterable (`for await`, bounded memory) and a promise of the array
   * of results; either way one result per input, in input order:
   * `{ ok: true, response }` or `{ ok: false, error }`.
   */
  addCustomers(records, { concurrency = 8, rate, onProgress } = {}) {
    let run
    try {
      run = this.#native.bulk(concurrency, true, rate ?? null)
    } catch (error) {
      throw translate(error)
    }
    return new BulkRun(run, records, encode, onProgress)
  }

  [util.inspect.custom]() {
    // Never the token.
    return `Client { endpoint: '${this.endpoint}' }`
  }

  toJSON() {
    return { endpoint: this.endpoint }
  }
}

module.exports = { Client, encode }
