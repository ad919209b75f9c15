// Step 17 item 3 from Node: two runs (two clients, as two workers would
// have) sharing one rate through the machine's state file, measured from the
// sandbox's arrival count over time; and the options' checks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, ConfigError } from '../index.mjs'

const records = (run, n) =>
  Array.from({ length: n }, (_, i) => ({ customer_info: { customer_name: `Run ${run} ${i}`, phone: `9${run}${String(i).padStart(8, '0')}` } }))

test('two runs with rateScope machine share one rate', async () => {
  const sandbox = await Sandbox.start()
  try {
    const started = performance.now()
    const runs = [1, 2].map((run) =>
      sandbox.client().addCustomers(records(run, 100), { rate: 100, rateScope: 'machine', concurrency: 8 }))
    const results = (await Promise.all(runs)).flat()
    const seconds = (performance.now() - started) / 1000
    assert.ok(results.every((r) => r.ok))
    assert.equal(sandbox.stats().add_update_requests, 200)
    // 200 requests at 100/s for both runs together: about 2 s; each run
    // pacing itself alone would take 1.
    assert.ok(seconds > 1.8, `${seconds.toFixed(2)} s`)
  } finally {
    await sandbox.stop()
  }
})

test('a shared limiter needs a rate, one place, and a redis:// URL', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    assert.throws(() => client.addCustomers([], { rateScope: 'machine' }), (e) => e instanceof ConfigError && /give rate too/.test(e.message))
    assert.throws(() => client.addCustomers([], { rate: 5, rateScope: 'galaxy' }), (e) => e instanceof ConfigError && /rateScope must be/.test(e.message))
    assert.throws(() => client.addCustomers([], { rate: 5, rateLimiter: 'http://x' }), (e) => e instanceof ConfigError && /rateLimiter must be redis:\/\//.test(e.message))
  } finally {
    await sandbox.stop()
  }
})

test('clients with rate and rateScope machine pace their single calls together', async () => {
  const sandbox = await Sandbox.start()
  try {
    const started = performance.now()
    await Promise.all([1, 2].map(async (worker) => {
      const client = new (await import('../index.mjs')).Client({ token: sandbox.token, baseUrl: sandbox.url, rate: 50, rateScope: 'machine' })
      for (const record of records(worker + 5, 50)) await client.addCustomer(record)
    }))
    const seconds = (performance.now() - started) / 1000
    assert.equal(sandbox.stats().add_update_requests, 100)
    // 100 calls at 50/s for both clients together: about 2 s.
    assert.ok(seconds > 1.8, `${seconds.toFixed(2)} s`)
  } finally {
    await sandbox.stop()
  }
})
