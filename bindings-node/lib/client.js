'use strict'
const util = require('node:util')
const native = require('./native.js')
const { translate, fromPayload, ConfigError } = require('./errors.js')
const { BulkRun } = require('./bulk.js')
const { rowOptions } = require('./rows.js')
const { submit, errorOf } = require('./hub.js')
const { encode } = require('./encode.js')
const { WhileBusy } = require('./idle.js')

// The option names each call takes; any other is a ConfigError naming the
// closest (plain JavaScript would otherwise drop `timeout: 5` silently).
const CLIENT_OPTIONS = [
  'token', 'subdomain', 'baseUrl', 'timeoutMs', 'connectTimeoutMs', 'maxRetries',
  'retryUnknownOutcome', 'userAgent', 'username', 'password', 'defaultHeaders', 'caFile',
  'logLevel', 'logger', 'rate', 'rateScope', 'rateLimiter',
]
const CALL_OPTIONS = ['timeoutMs', 'maxRetries', 'signal']
const UPSERT_OPTIONS = [...CALL_OPTIONS, 'match']
const BULK_OPTIONS = [
  'concurrency', 'rate', 'onProgress', 'columns', 'dateFormat', 'timeoutMs', 'maxRetries', 'signal', 'upsert',
  'journal', 'key', 'rateScope', 'rateLimiter', 'reconcile',
]

/** Rows from readRows (they know their number). */
function isFileRows(records) {
  return records != null && typeof records === 'object' && Array.isArray(records.headers) && typeof records.sheet !== 'undefined'
}

/**
 * A record's key in a journaled run and the record to send: `key`'s field
 * (which names the record and is not sent) or result, else its row's number.
 */
function recordKey(key, record) {
  if (key == null) return [native.rowKey(record?.$sheet ?? null, Number(record?.$row ?? 0)), record]
  if (typeof key === 'function') return [key(record), record]
  if (record == null || typeof record !== 'object' || Array.isArray(record)) return [undefined, record]
  const { [key]: value, ...rest } = record
  return [value, rest]
}

/** A plain object: a record of its own keys (anything else fails on its own). */
function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function checkOptions(what, options, known) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') {
    throw new ConfigError(`${what}: options must be an object, got ${typeof options}`)
  }
  try {
    native.checkOptions(what, Object.keys(options), known)
  } catch (error) {
    throw translate(error)
  }
  return options
}

/** The level and where it came from: the option wins over KAPTURE_LOG; warn by default. */
function logLevel(options) {
  if (options.logLevel !== undefined) return [String(options.logLevel), 'logLevel']
  const env = process.env.KAPTURE_LOG
  if (env !== undefined && env.trim() !== '') return [env, 'KAPTURE_LOG']
  return ['warn', 'logLevel']
}

/**
 * A given logger is called as pino's API is, `logger[level](fields, message)`:
 * the fields an object (`{ target, method, path, attempt, status, latencyMs }`),
 * kept as fields by pino, bunyan and console alike. With no logger, console
 * gets one line of text. A logger without that level's method is skipped.
 */
function emitter(logger) {
  if (logger === undefined || logger === null) {
    return (level, target, _message, _fields, line) => {
      try {
        console[level](`[${target}] ${line}`)
      } catch {
        // A logger that throws must not break the call it reports on.
      }
    }
  }
  return (level, target, message, fields) => {
    const method = logger[level]
    if (typeof method !== 'function') return
    try {
      method.call(logger, { target, ...JSON.parse(fields) }, message)
    } catch {
      // A logger that throws must not break the call it reports on.
    }
  }
}

/** What a value is, for a message: `a boolean`, `the number 1.5`. */
function describe(value) {
  if (typeof value === 'number') return `the number ${value}`
  if (value === null) return 'null'
  return `a ${typeof value}`
}

/** Runs a native call, `start(cancel, hub, id)`, cancelled by `signal`; an
 * aborted signal sends nothing. A call without a signal gets no NativeCancel. */
async function runCall(start, signal) {
  let cancel = null
  if (signal !== undefined && signal !== null) {
    if (typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
      throw new ConfigError(`signal must be an AbortSignal, got ${typeof signal}`)
    }
    if (signal.aborted) {
      throw fromPayload(JSON.parse(native.abortedPayload(false)))
    }
    cancel = new native.NativeCancel()
  }
  const onAbort = () => cancel.cancel()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await submit(start, cancel)
  } catch (error) {
    throw errorOf(error)
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

class Client {
  #native
  // The logger is attached while calls or runs go on (src/log.rs says why).
  #log

  /**
   * @param {object} [options] token, subdomain, baseUrl, timeoutMs (30000),
   *   connectTimeoutMs (5000), maxRetries (2), retryUnknownOutcome, userAgent, caFile,
   *   logLevel ('off' | 'error' | 'warn' | 'info' | 'debug'; KAPTURE_LOG, else 'warn'),
   *   logger (an object with debug/info/warn/error; console by default).
   *   Missing values come from KAPTURE_TOKEN, KAPTURE_SUBDOMAIN, KAPTURE_BASE_URL.
   */
  constructor(options = {}) {
    options = checkOptions('new Client()', options, CLIENT_OPTIONS)
    const { logLevel: _level, logger, ...settings } = options
    const [level, levelName] = logLevel(options)
    const emit = emitter(logger)
    try {
      this.#native = new native.NativeClient(settings, level, levelName, emit)
    } catch (error) {
      throw translate(error)
    }
    this.#log = new WhileBusy(() => this.#native.attachLog(emit), () => this.#native.detachLog())
  }

  /** `runCall` with the logger attached. */
  async #call(start, signal) {
    this.#log.enter()
    try {
      return await runCall(start, signal)
    } finally {
      this.#log.leave()
    }
  }

  /** The Add Customer URL this client sends to. */
  get endpoint() {
    return this.#native.endpoint
  }

  /**
   * Validates, sends, resolves with the parsed reply (every field kept).
   * `options`: `timeoutMs` and `maxRetries` for this call, and `signal` (an
   * AbortSignal): aborting rejects with an AbortedError (`name` 'AbortError',
   * `code` 'aborted'), `outcomeUnknown` once the request may have left.
   */
  async addCustomer(request, options) {
    const { timeoutMs, maxRetries, signal } = checkOptions('addCustomer()', options, CALL_OPTIONS)
    const text = encode(request)
    return this.#call((cancel, hub, id) => this.#native.addCustomer(text, timeoutMs ?? null, maxRetries ?? null, cancel, hub, id), signal)
  }

  /**
   * Updates the customer Kapture knows by `customerId` (a number or a string
   * of digits): the add URL with `customer_info.customer_id` set; name,
   * phone and email become optional. Not retried when the outcome is
   * unknown: an update is not safe to repeat.
   */
  async updateCustomer(customerId, request, options) {
    const { timeoutMs, maxRetries, signal } = checkOptions('updateCustomer()', options, CALL_OPTIONS)
    if (!(typeof customerId === 'string' || Number.isSafeInteger(customerId))) {
      throw fromPayload(JSON.parse(native.customerIdKindPayload('customer_info.customer_id', describe(customerId))))
    }
    const text = encode(request)
    return this.#call(
      (cancel, hub, id) => this.#native.updateCustomer(String(customerId), text, timeoutMs ?? null, maxRetries ?? null, cancel, hub, id),
      signal,
    )
  }

  /**
   * Adds the customer, or updates the one Kapture has under its phone
   * (`match: 'phone'`, the default) or email: looked up first, updated by
   * id when the lookup finds the request's customer (its contacts' ids
   * filled, so none is added again), added otherwise; an add refused as a
   * duplicate naming the customer becomes an update of it. Resolves with
   * `{ action: 'added' | 'updated', customerId, response }`. A phone and an
   * email that find two customers reject with a ValidationError naming both.
   */
  async upsertCustomer(request, options) {
    const { match = 'phone', timeoutMs, maxRetries, signal } = checkOptions('upsertCustomer()', options, UPSERT_OPTIONS)
    const text = encode(request)
    return this.#call(
      (cancel, hub, id) => this.#native.upsertCustomer(text, String(match), timeoutMs ?? null, maxRetries ?? null, cancel, hub, id),
      signal,
    )
  }

  /**
   * Looks a customer up (Kapture's Get Customer) by `customerId` (a number
   * or a string of digits), `phone` or `email`: resolves with the customer,
   * or null when Kapture has none. The way to settle an `outcomeUnknown`
   * add before sending it again. A read: timeouts, resets and 5xx are retried.
   */
  async findCustomer({ customerId, phone, email } = {}, options) {
    const { timeoutMs, maxRetries, signal } = checkOptions('findCustomer()', options, CALL_OPTIONS)
    if (customerId != null && !(typeof customerId === 'string' || Number.isSafeInteger(customerId))) {
      throw fromPayload(JSON.parse(native.customerIdKindPayload('customer_id', describe(customerId))))
    }
    const text = encode({
      customer_id: customerId == null ? null : String(customerId),
      phone: phone ?? null,
      email: email ?? null,
    }, 'lookup')
    const found = await this.#call((cancel, hub, id) => this.#native.findCustomer(text, timeoutMs ?? null, maxRetries ?? null, cancel, hub, id), signal)
    return found ?? null
  }

  /**
   * Many customers, `concurrency` at a time, at most `rate` per second (the
   * pace also drops by itself on 429/503 and recovers). Returns a run that is both an
   * async iterable (`for await`, bounded memory) and a promise of the array
   * of results; either way one result per input, in input order:
   * `{ ok: true, response }`, `{ ok: false, error }`, or `{ ok: false, blank: true }`
   * for a blank row (every cell empty: nothing sent). Records may be
   * requests in the vendor's shape or flat rows (`{ 'Customer Name': ... }`),
   * mapped with `columns` and `dateFormat` as `fromRow` maps them. Should the engine
   * fail, each record still owed gets an InternalError result and the run
   * then rejects/throws one. `timeoutMs` and `maxRetries` apply to each call;
   * aborting `signal` ends the run: each record taken and not answered gets
   * an AbortedError result (`outcomeUnknown` if its request had started),
   * and so does every remaining element of an array.
   */
  addCustomers(records, options) {
    const { concurrency, rate, onProgress, columns, dateFormat, timeoutMs, maxRetries, signal, upsert, journal, key, rateScope, rateLimiter, reconcile } =
      checkOptions('addCustomers()', options, BULK_OPTIONS)
    if (reconcile != null && typeof reconcile !== 'boolean') {
      throw new ConfigError(`addCustomers(): reconcile must be true or false, got ${describe(reconcile)}`)
    }
    // A journaled run feeds each record with its key: `key`'s, or a file's
    // row's own (readRows' rows carry their number).
    const keyed = journal != null
    // Records that share a header (readRows', or an array of records with
    // the same keys): a header problem is one error, thrown before
    // anything is sent, not one per row.
    // A journaled run's key field names the record and is not sent: not
    // part of the header.
    const header = (names) => (typeof key === 'string' && journal != null ? names.filter((n) => n !== key) : names)
    try {
      if (Array.isArray(records?.headers) && records.headers.length > 0) {
        native.checkHeader(JSON.stringify(header(records.headers)), rowOptions({ columns, dateFormat }))
      } else if (Array.isArray(records) && records.length > 0 && records.every(isPlainObject)) {
        // Records given one by one: the core says whether they share a header.
        native.checkRecordsHeader(JSON.stringify(records.map((r) => header(Object.keys(r)))), rowOptions({ columns, dateFormat }))
      }
    } catch (error) {
      throw translate(error)
    }
    // Defaults and checks are the core's (concurrency 8). Flat records
    // (spreadsheet rows) are mapped by the core as `fromRow` maps them.
    const start = (onReady) => {
      try {
        return this.#native.bulk(
          concurrency ?? null,
          true,
          rate ?? null,
          rowOptions({ columns, dateFormat }),
          timeoutMs ?? null,
          maxRetries ?? null,
          upsert == null ? null : String(upsert),
          journal == null ? null : String(journal),
          key != null,
          isFileRows(records),
          rateScope == null ? null : String(rateScope),
          rateLimiter == null ? null : String(rateLimiter),
          reconcile ?? false,
          onReady,
        )
      } catch (error) {
        throw translate(error)
      }
    }
    const keyOf = keyed
      ? (record) => {
          const [value, rest] = recordKey(key, record)
          return [JSON.stringify(value ?? null), rest]
        }
      : null
    return new BulkRun(start, records, encode, onProgress, signal, this.#log, keyOf)
  }

  [util.inspect.custom]() {
    // Never the token.
    return `Client { endpoint: '${this.endpoint}' }`
  }

  toJSON() {
    return { endpoint: this.endpoint }
  }
}

module.exports = { Client }
