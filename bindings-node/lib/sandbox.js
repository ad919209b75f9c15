'use strict'
const util = require('node:util')
const native = require('./native.js')
const { translate } = require('./errors.js')
const { Client } = require('./client.js')

function faultsText(faults) {
  if (faults === undefined || faults === null) return undefined
  return typeof faults === 'string' ? faults : JSON.stringify(faults)
}

/**
 * The project's sandbox, a Kapture-compatible server on 127.0.0.1, in this
 * process: test your code without a network.
 */
class Sandbox {
  #native

  constructor(native_) {
    this.#native = native_
  }

  /** @param {object} [options] faults (spec string or object), token, port. */
  static async start({ faults, token, port, merge, duplicates } = {}) {
    try {
      return new Sandbox(new native.NativeSandbox({ faults: faultsText(faults), token, port, merge, duplicates }))
    } catch (error) {
      throw translate(error)
    }
  }

  get url() {
    return this.#native.url
  }

  get token() {
    return this.#native.token
  }

  /** `export KAPTURE_BASE_URL=... KAPTURE_TOKEN=...`, as `kapture sandbox` prints it. */
  get exportLine() {
    try {
      return this.#native.exportLine
    } catch (error) {
      throw translate(error)
    }
  }

  /** A Client pointed at this sandbox. */
  client(options = {}) {
    return new Client({ ...options, token: this.token, baseUrl: this.url })
  }

  #call(method, ...args) {
    try {
      return this.#native[method](...args)
    } catch (error) {
      throw translate(error)
    }
  }

  /** Stored customers: customer_id, contact_ids, writes, request. */
  customers() {
    return JSON.parse(this.#call('customers'))
  }

  stats() {
    return JSON.parse(this.#call('stats'))
  }

  faults() {
    return JSON.parse(this.#call('faults'))
  }

  setFaults(faults) {
    this.#call('setFaults', faultsText(faults))
  }

  clear() {
    this.#call('clear')
  }

  async stop() {
    this.#native.stop()
  }

  [util.inspect.custom]() {
    return `Sandbox { url: '${this.url}' }`
  }
}

module.exports = { Sandbox }
