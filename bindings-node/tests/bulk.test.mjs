import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, ValidationError, OutcomeUnknownError, ConfigError } from '../index.mjs'

const record = (i) => ({ customer_info: { customer_name: `Customer ${i}`, phone: `96${String(i).padStart(8, '0')}` } })

test('addCustomers: one result per input, in order, through faults and bad records', async () => {
  const sandbox = await Sandbox.start({ faults: { seed: 5, rate_limit: 0.1, unavailable: 0.1, drop_after: 0.05, retry_after: 0 } })
  try {
    const client = sandbox.client({ maxRetries: 10 })
    const records = Array.from({ length: 200 }, (_, i) => record(i))
    records[17] = { customer_info: { customer_name: 'X', mobile: '9000000000' } }
    records[50] = 'not an object'
    let progress = null
    const results = await client.addCustomers(records, { concurrency: 16, onProgress: (p) => { progress = p } })
    assert.equal(results.length, 200)
    assert.equal(results[17].ok, false)
    assert.ok(results[17].error instanceof ValidationError)
    assert.equal(results[17].error.errors[0].path, 'customer_info.mobile')
    assert.ok(results[50].error instanceof ValidationError)
    const unknown = results.filter((r) => !r.ok && r.error instanceof OutcomeUnknownError)
    assert.ok(unknown.length > 0 && unknown.every((r) => r.error.outcomeUnknown))
    assert.equal(unknown.length, sandbox.stats().faults_injected.drop_after)
    const byId = new Map(sandbox.customers().map((c) => [c.customer_id, c]))
    results.forEach((r, i) => {
      if (r.ok) assert.equal(byId.get(r.response.customer.customer_id).request.customer_info.customer_name, `Customer ${i}`)
    })
    assert.equal(byId.size, 198)
    assert.ok([...byId.values()].every((c) => c.writes === 1))
    assert.deepEqual(progress, { completed: 200, succeeded: 200 - 2 - unknown.length, failed: 2 + unknown.length, blank: 0 })
  } finally {
    await sandbox.stop()
  }
})

test('a long async iterable is pulled lazily: memory stays bounded', async () => {
  const sandbox = await Sandbox.start()
  try {
    let pulled = 0
    async function* endless() {
      for (let i = 0; ; i++) {
        pulled += 1
        yield record(i)
      }
    }
    let seen = 0
    for await (const result of sandbox.client().addCustomers(endless(), { concurrency: 4 })) {
      assert.ok(result.ok)
      seen += 1
      // The engine's lookahead (32 windows), the outcomes and input channels (as much each).
      assert.ok(pulled - seen <= 96 * 4 + 4, `${pulled} pulled, ${seen} seen`)
      if (seen === 300) break
    }
    assert.ok(pulled <= 300 + 96 * 4 + 4)
  } finally {
    await sandbox.stop()
  }
})

test('an input that throws ends the run with its error', async () => {
  const sandbox = await Sandbox.start()
  try {
    function* broken() {
      yield record(1)
      throw new Error('source broke')
    }
    await assert.rejects(sandbox.client().addCustomers(broken()).toArray(), /source broke/)
    assert.throws(() => sandbox.client().addCustomers([], { concurrency: 0 }), ConfigError)
  } finally {
    await sandbox.stop()
  }
})

test('rate paces the calls', async () => {
  const sandbox = await Sandbox.start()
  try {
    const started = Date.now()
    const results = await sandbox.client().addCustomers(Array.from({ length: 21 }, (_, i) => record(i)), { concurrency: 8, rate: 20 })
    assert.equal(results.length, 21)
    assert.ok(results.every((r) => r.ok))
    assert.ok(Date.now() - started >= 950, `${Date.now() - started} ms`)
    assert.throws(() => sandbox.client().addCustomers([], { rate: 0 }), ConfigError)
  } finally {
    await sandbox.stop()
  }
})

test('a bulk run whose outcomes are always ready still lets the event loop turn', async () => {
  // Invalid records are answered by the core without any I/O, and each
  // outcome is held a little (work of the caller's), so outcomes are there
  // each time JavaScript looks: without a turn now and then, the run would
  // hold back every timer and socket until it ended.
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const n = 20000
    const records = Array.from({ length: n }, () => ({ customer_info: { customer_name: 'X' } }))
    let turns = 0
    const seen = []
    const timer = setInterval(() => { turns += 1 }, 0)
    let count = 0
    try {
      for await (const r of client.addCustomers(records, { concurrency: 64 })) {
        assert.ok(r.error instanceof ValidationError)
        const until = performance.now() + 0.01
        while (performance.now() < until);
        count += 1
        if (count === n / 4 || count === (3 * n) / 4) seen.push(turns)
      }
    } finally {
      clearInterval(timer)
    }
    assert.equal(count, n)
    assert.ok(seen[1] > seen[0], `no timer ran in the middle half of the run (${seen})`)
  } finally {
    await sandbox.stop()
  }
})
