'use strict'
const { translate, fromPayload, ValidationError, AbortedError } = require('./errors.js')

/**
 * One bulk run: feeds records to the Rust engine while it has room and hands
 * out outcomes in input order. Usable once, either with `for await` (memory
 * bounded whatever the input's length) or with `await` (all results).
 */
class BulkRun {
  #run
  #records
  #encode
  #onProgress
  #started = false
  #stopped = false
  #feeding = null
  #counts = { completed: 0, succeeded: 0, failed: 0 }
  #signal
  #aborted = false
  #fed = 0

  constructor(run, records, encode, onProgress, signal) {
    this.#run = run
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
        let text
        try {
          text = this.#encode(step.value)
        } catch (error) {
          // Fed as a value the engine refuses, so it keeps its place.
          text = JSON.stringify(`unencodable record: ${error.message}`)
        }
        if (!this.#run.tryFeed(text)) await this.#run.feed(text)
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
            error: new AbortedError('not completed: the run was aborted before this record was sent', {
              outcomeUnknown: false,
            }),
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
      }
    }
    await this.#feeding.catch(() => {})
    if (feedError) throw feedError
  }

  async *#results() {
    for (;;) {
      let text
      try {
        // Every outcome already there in one crossing (at most 256).
        text = await this.#run.nextBatch(256)
      } catch (error) {
        throw translate(error)
      }
      const items = JSON.parse(text)
      if (items.length === 0) break
      for (const item of items) {
        const result = item.ok
          ? { ok: true, response: item.response }
          : { ok: false, error: fromPayload(item.error) }
        yield this.#count(result)
      }
    }
  }

  #count(result) {
    const counts = this.#counts
    counts.completed += 1
    if (result.ok) counts.succeeded += 1
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
