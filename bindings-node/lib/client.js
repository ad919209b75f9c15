'use strict'
const util = require('node:util')
const native = require('../native.js')
const { translate, ValidationError } = require('./errors.js')
const { BulkRun } = require('./bulk.js')
const { rowOptions } = require('./rows.js')

// The core's nesting limit: deeper values are refused here, before
// JSON.stringify recurses (and overflows the stack on 20,000 levels).
const MAX_DEPTH = native.maxDepth()

/** The path of the first object or array nested deeper than MAX_DEPTH
 * (a cycle is infinitely deep), found without recursion; null if none. */
function tooDeep(value) {
  const stack = [[value, 0, '']]
  while (stack.length > 0) {
    const [node, depth, path] = stack.pop()
    if (node === null || typeof node !== 'object') continue
    if (depth > MAX_DEPTH) return path
    if (typeof node.toJSON === 'function') continue
    const entries = Array.isArray(node)
      ? node.map((v, i) => [`${path}[${i}]`, v])
      : Object.keys(node).map((k) => [path ? `${path}.${k}` : k, node[k]])
    for (const [childPath, child] of entries) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1, childPath])
    }
  }
  return null
}

/** JSON text of a request; what JSON cannot hold is a ValidationError. */
function encode(request) {
  const deep = tooDeep(request)
  if (deep !== null) {
    const message = `nested deeper than ${MAX_DEPTH} levels (or an object that contains itself); a request is never that deep`
    throw new ValidationError(`invalid request (1 problem): ${deep}: ${message}`, {
      errors: [{ path: deep, message }],
    })
  }
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
   * Updates the customer Kapture knows by `customerId` (a number or a string
   * of digits): the add URL with `customer_info.customer_id` set; name,
   * phone and email become optional. Not retried when the outcome is
   * unknown: an update is not safe to repeat.
   */
  async updateCustomer(customerId, request) {
    if (!(typeof customerId === 'string' || Number.isSafeInteger(customerId))) {
      throw new ValidationError(`customerId: expected Kapture's customer id (digits), got ${typeof customerId}`, {
        errors: [{ path: 'customer_info.customer_id', message: 'expected an integer or a string of digits' }],
      })
    }
    const text = encode(request)
    let reply
    try {
      reply = await this.#native.updateCustomer(String(customerId), text)
    } catch (error) {
      throw translate(error)
    }
    return JSON.parse(reply)
  }

  /**
   * Looks a customer up (Kapture's Get Customer) by `customerId` (a number
   * or a string of digits), `phone` or `email`: resolves with the customer,
   * or null when Kapture has none. The way to settle an `outcomeUnknown`
   * add before sending it again. A read: timeouts, resets and 5xx are retried.
   */
  async findCustomer({ customerId, phone, email } = {}) {
    if (customerId != null && !(typeof customerId === 'string' || Number.isSafeInteger(customerId))) {
      throw new ValidationError(`customerId: expected Kapture's customer id (digits), got ${typeof customerId}`, {
        errors: [{ path: 'customer_id', message: 'expected an integer or a string of digits' }],
      })
    }
    const text = JSON.stringify({
      customer_id: customerId == null ? null : String(customerId),
      phone: phone ?? null,
      email: email ?? null,
    })
    let found
    try {
      found = await this.#native.findCustomer(text)
    } catch (error) {
      throw translate(error)
    }
    return found == null ? null : JSON.parse(found)
  }

  /**
   * Many customers, `concurrency` at a time, at most `rate` per second (the
   * pace also drops by itself on 429/503 and recovers). Returns a run that is both an
   * async iterable (`for await`, bounded memory) and a promise of the array
   * of results; either way one result per input, in input order:
   * `{ ok: true, response }` or `{ ok: false, error }`. Records may be
   * requests in the vendor's shape or flat rows (`{ 'Customer Name': ... }`),
   * mapped with `columns` and `dateFormat` as `fromRow` maps them. Should the engine
   * fail, each record still owed gets an InternalError result and the run
   * then rejects/throws one.
   */
  addCustomers(records, { concurrency, rate, onProgress, columns, dateFormat, _testPanicAfter } = {}) {
    // Defaults and checks are the core's (concurrency 8). Flat records
    // (spreadsheet rows) are mapped by the core as `fromRow` maps them.
    let run
    try {
      run = this.#native.bulk(
        concurrency ?? null,
        true,
        rate ?? null,
        _testPanicAfter ?? null,
        rowOptions({ columns, dateFormat }),
      )
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
