'use strict'
// Where the native calls' outcomes come back (src/hub.rs says why): one hub
// for this realm, made on the first call, and the promises of the calls in
// flight by id. The hub keeps the process alive only while a call is
// pending, as a pending request would, and is closed once the program has
// gone a turn of the event loop without a call (nothing stays open for
// `jest --detectOpenHandles` to report); a sequential `await` loop keeps it.
const native = require('./native.js')
const { fromPayload, translate, OutcomeUnknownError } = require('./errors.js')
const { WhileBusy } = require('./idle.js')

const pending = new Map()
let hub = null
let nextId = 0
// The hub exists while calls are pending, and a turn of the event loop after.
const lease = new WhileBusy(
  () => {
    hub = new native.NativeHub(onDone)
  },
  () => {
    hub.close()
    hub = null
  },
)

/** Settles the calls of one batch: a JSON array of `id, ok, value` triples. */
function onDone(batch) {
  let items
  try {
    items = JSON.parse(batch)
  } catch (error) {
    // Not expected (the batch is serde's JSON); should it happen, no call
    // is left waiting forever.
    const failure = new OutcomeUnknownError(`kapture-crm internal error: unreadable outcomes: ${error.message}`, {
      code: 'internal',
    })
    for (const call of pending.values()) {
      call.reject(failure)
      lease.leave()
    }
    pending.clear()
    items = []
  }
  for (let i = 0; i + 2 < items.length; i += 3) {
    const call = pending.get(items[i])
    if (call === undefined) continue
    pending.delete(items[i])
    lease.leave()
    if (items[i + 1] === 1) {
      call.resolve(items[i + 2])
    } else {
      call.reject(new Refused(items[i + 2]))
    }
  }
  if (pending.size === 0) hub.hold(false)
}

/** A call's error payload (`src/error.rs`), made into its class by the
 * caller's `errorOf`, so that the error's stack shows the caller's code. */
class Refused {
  constructor(payload) {
    this.payload = payload
  }
}

/** The error a call rejected with, as this package's class. */
function errorOf(rejection) {
  return rejection instanceof Refused ? fromPayload(rejection.payload) : translate(rejection)
}

/** Starts a native call, `start(cancel, hub, id)` (which throws what it
 * refuses at once), and returns the promise of its outcome. */
function submit(start, cancel) {
  lease.enter()
  const id = nextId
  nextId = (nextId + 1) >>> 0
  try {
    start(cancel, hub, id)
  } catch (error) {
    lease.leave()
    throw error
  }
  const promise = new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
  if (pending.size === 1) hub.hold(true)
  return promise
}

module.exports = { submit, errorOf }
