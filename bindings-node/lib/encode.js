'use strict'
// A caller's value (a request, a row, a bulk record) as JSON text for the
// native side. What JSON cannot hold is the caller's: a ValidationError
// naming the path, never an internal error. A BigInt (database drivers give
// them) is its digits.
const native = require('./native.js')
const { ValidationError } = require('./errors.js')

// The core's nesting limit, to name the path of a value nested past it (a
// cycle is infinitely deep; past V8's stack JSON.stringify itself throws).
const MAX_DEPTH = native.maxDepth()
const TOO_DEEP = native.tooDeepMessage()

/** A BigInt as its digits (every BigInt is a whole number). */
function bigintDigits(_key, value) {
  return typeof value === 'bigint' ? value.toString() : value
}

/** JSON text of `value`. JSON.stringify first, as it is, for speed: only
 * when it throws is the value encoded again with BigInts as digits, and then
 * walked to name the path of what it cannot hold. `what` names the value in
 * messages ("request", "row"). */
function encode(value, what = 'request') {
  let text
  try {
    text = JSON.stringify(value)
  } catch (first) {
    text = undefined
    let error = first
    if (first instanceof TypeError && /BigInt/.test(first.message)) {
      try {
        text = JSON.stringify(value, bigintDigits)
      } catch (second) {
        error = second
      }
    }
    if (text === undefined) throw unencodable(value, error, what)
  }
  if (text === undefined) {
    throw new ValidationError(`invalid ${what}: expected an object`, {
      errors: [{ path: '', message: `expected an object, got ${typeof value}` }],
    })
  }
  return text
}

/** The ValidationError for a value JSON.stringify threw on. */
function unencodable(value, error, what) {
  const found = problem(value) ?? { path: '', message: `could not be read: ${error?.message ?? error}` }
  const at = found.path ? `${found.path}: ` : ''
  return new ValidationError(`invalid ${what} (1 problem): ${at}${found.message}`, {
    errors: [found],
  }, { cause: error })
}

/** The first thing of `value` JSON cannot hold, as `{ path, message }`: a
 * cycle, a value nested past the core's limit, or a property whose reading
 * threw (a getter, a Proxy's trap, a `toJSON`); null if nothing is found.
 * Recursion stops at the core's limit, far within the stack. */
function problem(value, path = '', depth = 0, ancestors = new Set()) {
  if (value === null || typeof value !== 'object') return null
  if (ancestors.has(value)) return { path, message: 'an object that contains itself (a cycle); JSON cannot hold it' }
  if (depth > MAX_DEPTH) return { path, message: TOO_DEEP }
  const threw = (at, error) => ({ path: at, message: `reading it threw: ${error?.message ?? error}` })
  let node = value
  let keys
  try {
    if (typeof node.toJSON === 'function') node = node.toJSON()
    if (node === null || typeof node !== 'object') return null
    keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node)
  } catch (error) {
    return threw(path, error)
  }
  ancestors.add(value)
  for (const key of keys) {
    const at = typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key
    let child
    try {
      child = node[key]
    } catch (error) {
      return threw(at, error)
    }
    const found = problem(child, at, depth + 1, ancestors)
    if (found !== null) return found
  }
  ancestors.delete(value)
  return null
}

module.exports = { encode, MAX_DEPTH }
