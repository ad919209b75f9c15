// Tests that need the addon's test hooks (`testing*` exports), which only the
// addon built with the `testing` feature has: scripts/test builds it and runs
// this folder with NAPI_RS_NATIVE_LIBRARY_PATH pointing at it. Locally:
//   cargo build -p kapture-crm-node --features testing
//   NAPI_RS_NATIVE_LIBRARY_PATH=$PWD/target/testing.node node --test tests/hooks/*.mjs
// (after copying target/debug/libkapture_crm_node.so to that .node path).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, OutcomeUnknownError } from '../../index.mjs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const native = require('../../native.js')
if (typeof native.testingPanicNextRunAfter !== 'function') {
  throw new Error('tests/hooks needs the addon built with the `testing` feature; the release addon has no test hooks')
}
const record = (i) => ({ customer_info: { customer_name: `Customer ${i}`, phone: `95${String(i).padStart(8, '0')}` } })

test('case 3: an engine that dies gives every record fed an outcome, then throws', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const seen = []
    native.testingPanicNextRunAfter(2)
    await assert.rejects(
      (async () => {
        for await (const result of client.addCustomers(Array.from({ length: 20 }, (_, i) => record(i)), { concurrency: 4 })) {
          seen.push(result)
        }
      })(),
      (error) => error instanceof OutcomeUnknownError && error.code === 'internal' && /injected/.test(error.message),
    )
    assert.ok(seen.length > 2, `${seen.length}`)
    assert.ok(seen.slice(0, 2).every((r) => r.ok))
    assert.ok(seen.slice(2).every((r) => !r.ok && r.error.code === 'internal'))
    // Record 2 was answered and then lost with the engine: it was sent, so unknown.
    assert.equal(seen[2].error.outcomeUnknown, true)
    // The awaited form rejects too: never a short array.
    native.testingPanicNextRunAfter(1)
    await assert.rejects(client.addCustomers([record(1), record(2), record(3)]).toArray(), OutcomeUnknownError)
  } finally {
    await sandbox.stop()
  }
})

test('the fault is taken by one run only', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    native.testingPanicNextRunAfter(0)
    await assert.rejects(client.addCustomers([record(0)]).toArray(), OutcomeUnknownError)
    const results = await client.addCustomers([record(1), record(2)])
    assert.deepEqual(results.map((r) => r.ok), [true, true])
  } finally {
    await sandbox.stop()
  }
})
