'use strict'
// Something native held only while in use (a threadsafe function: a libuv
// handle): acquired at the first use, released once the program has gone a
// turn of the event loop with none, so nothing stays open for `jest
// --detectOpenHandles` to report. A sequential `await` loop starts its next
// use before that turn ends, and keeps it.

class WhileBusy {
  #busy = 0
  #held
  #scheduled = false
  #acquire
  #release

  constructor(acquire, release, held = false) {
    this.#acquire = acquire
    this.#release = release
    this.#held = held
  }

  enter() {
    this.#busy += 1
    if (!this.#held) {
      this.#acquire()
      this.#held = true
    }
  }

  leave() {
    this.#busy -= 1
    if (this.#busy === 0 && !this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#releaseIfIdle).unref()
    }
  }

  #releaseIfIdle = () => {
    this.#scheduled = false
    if (this.#busy === 0 && this.#held) {
      this.#held = false
      this.#release()
    }
  }
}

module.exports = { WhileBusy }
