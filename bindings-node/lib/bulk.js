'use strict'
const native = require('./native.js')
const { translate, fromPayload, ValidationError } = require('./errors.js')

// Outcomes handed out without a turn of the event loop, at most: a run
// whose outcomes are always ready would otherwise hold back timers and I/O.
const TURN_EVERY = 1024

/**
 * One bulk run: feeds records to the Rust engine while it has room and hands
 * out outcomes in input order. Usable once, either with `for await` (memory
 * bounded whatever the input's length) or with `await` (all results).
 *
 * Nothing here awaits a native promise. Feeding and taking outcomes are
 * plain calls; when the run is full, or has no outcome yet, the core calls
 * `onReady` once that changes (src/bulk.rs says why).
 */
class BulkRun {
  #run
  #records
  #encode
  #onProgress
  #started = false
  #stopped = false
  #feeding = null
  #counts = { completed: 0, succeeded: 0, failed: 0, blank: 0 }
  #signal
  #aborted = false
  #fed = 0
  #waiters = []
  #holding = false

  #lease

  /** `lease`: entered while the run is consumed (its client's logger). */
  #keyOf

  /** `keyOf`: a journaled run's [key as JSON, record to send] (else null). */
  constructor(start, records, encode, onProgress, signal, lease, keyOf) {
    this.#lease = lease
    this.#keyOf = keyOf ?? null
    this.#run = start(this.#ready)
    this.#records = records
    this.#encode = encode
    this.#onProgress = onProgress
    this.#signal = signal ?? null
  }

  #abort = () => {
    // The core gives every record taken and not answered its `aborted`
    // outcome; the feeder takes no more.
    this.#aborted = true
    this.#stopped = true
    this.#run.abort()
    this.#ready()
  }

  /** The core's `onReady`, and JavaScript's own nudge when it changed
   * something a waiter waits for: every waiter looks again. */
  #ready = () => {
    const waiters = this.#waiters
    this.#waiters = []
    this.#hold(false)
    for (const resolve of waiters) resolve()
  }

  /** Until `#ready` (room for the feeder, outcomes for the taker). */
  #wait() {
    return new Promise((resolve) => {
      this.#waiters.push(resolve)
      this.#hold(true)
    })
  }

  /** A pending wait keeps the process alive, as a pending request would. */
  #hold(waiting) {
    if (waiting !== this.#holding) {
      this.#holding = waiting
      this.#run.hold(waiting)
    }
  }

  async #feed() {
    try {
      const records = this.#records
      const iterator = records[Symbol.asyncIterator]
        ? records[Symbol.asyncIterator]()
        : records[Symbol.iterator]()
      while (!this.#stopped) {
        const step = await iterator.next()
        if (step.done) break
        let feed
        // A key function that throws ends the input, as the input throwing does.
        const [key, value] = this.#keyOf === null ? [null, step.value] : this.#keyOf(step.value)
        try {
          const text = this.#encode(value)
          feed = key === null ? () => this.#run.tryFeed(text) : () => this.#run.tryFeedKeyed(key, text)
        } catch (error) {
          // Its problem is fed in its place: it keeps its place and its
          // outcome is that ValidationError.
          const { path, message } = error.errors?.[0] ?? { path: '', message: String(error?.message ?? error) }
          feed = () => this.#run.tryFeedInvalid(path, message)
        }
        while (!feed()) {
          await this.#wait()
          if (this.#stopped) return
        }
        this.#fed += 1
      }
    } catch (error) {
      if (!this.#stopped) throw error
    } finally {
      this.#run.closeInput()
    }
  }

  async *#outcomes() {
    if (this.#started) throw new Error('a bulk run can be consumed once')
    this.#started = true
    if (!this.#records || (!this.#records[Symbol.iterator] && !this.#records[Symbol.asyncIterator])) {
      throw new ValidationError('addCustomers expects an array or an (async) iterable of records', {
        errors: [{ path: '', message: 'expected an array or an iterable' }],
      })
    }
    this.#lease?.enter()
    if (this.#signal?.aborted) this.#abort()
    else this.#signal?.addEventListener('abort', this.#abort, { once: true })
    this.#feeding = this.#feed()
    // An input that throws ends the outcomes; its error is raised after them.
    let feedError = null
    this.#feeding.catch((error) => {
      feedError = error
    })
    let finished = false
    try {
      yield* this.#results()
      if (this.#aborted && Array.isArray(this.#records)) {
        // An array's elements that were never taken: aborted too, so an
        // array still gets one result per element.
        for (let i = this.#fed; i < this.#records.length; i += 1) {
          yield this.#count({
            ok: false,
            error: fromPayload(JSON.parse(native.abortedPayload(true))),
          })
        }
      }
      finished = true
    } finally {
      this.#signal?.removeEventListener('abort', this.#abort)
      if (!finished) {
        // Left early (break, throw): stop feeding and let go of the engine,
        // or a pending feed would keep the process alive.
        this.#stopped = true
        this.#run.cancel()
        this.#ready()
      }
      // The outcomes are over and the feeder stops: the run's onReady is
      // let go, so nothing of it stays open.
      this.#hold(false)
      this.#run.release()
      this.#lease?.leave()
    }
    await this.#feeding.catch(() => {})
    if (feedError) throw feedError
  }

  async *#results() {
    let sinceTurn = 0
    for (;;) {
      let text
      try {
        // The outcomes already there, in one crossing. At most 32: a batch
        // is reachable until parsed, and what a young-generation collection
        // finds reachable decides how fast V8 grows that generation: a small
        // batch keeps a long run's memory from growing with it.
        text = this.#run.takeBatch(32)
      } catch (error) {
        throw translate(error)
      }
      if (text === null) {
        sinceTurn = 0
        await this.#wait()
        continue
      }
      // Outcomes taken free room: a feeder waiting for it looks again.
      if (this.#waiters.length > 0) this.#ready()
      const items = JSON.parse(text)
      // Nor do the text and the outcomes handed out stay reachable from
      // this frame while the consumer runs (same reason as the 32 above).
      text = null
      const count = items.length
      if (count === 0) break
      for (let i = 0; i < count; i += 1) {
        const item = items[i]
        items[i] = undefined
        const result = item.ok
          ? item.found !== undefined
            ? { ok: true, found: item.found, customerId: item.customerId }
            : item.action === undefined
              ? { ok: true, response: item.response }
              : { ok: true, response: item.response, action: item.action, customerId: item.customerId }
          : item.blank
            ? { ok: false, blank: true }
            : { ok: false, error: fromPayload(item.error) }
        if (item.fromJournal) result.fromJournal = true
        yield this.#count(result)
      }
      sinceTurn += count
      if (sinceTurn >= TURN_EVERY) {
        sinceTurn = 0
        await new Promise(setImmediate)
      }
    }
  }

  #count(result) {
    const counts = this.#counts
    counts.completed += 1
    if (result.ok) counts.succeeded += 1
    else if (result.blank) counts.blank += 1
    else counts.failed += 1
    if (this.#onProgress) this.#onProgress({ ...counts })
    return result
  }

  [Symbol.asyncIterator]() {
    return this.#outcomes()
  }

  /** All results, in input order. */
  async toArray() {
    const all = []
    for await (const result of this) all.push(result)
    return all
  }

  then(resolve, reject) {
    return this.toArray().then(resolve, reject)
  }
}

module.exports = { BulkRun }
