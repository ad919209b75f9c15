// Retry and catch idioms never send a customer twice: an unknown outcome is
// an OutcomeUnknownError, never a ConnectionError/TimeoutError (what a retry
// rule retries) nor an ApiError ("the CRM refused").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, ApiError, ConnectionError, TimeoutError, OutcomeUnknownError } from '../index.mjs'

const request = (i) => ({ customer_info: { customer_name: `Retry ${i}`, phone: `95${String(i).padStart(8, '0')}` } })

function duplicates(sandbox) {
  const seen = new Map()
  for (const c of sandbox.customers()) {
    const phone = c.request.customer_info.phone
    seen.set(phone, (seen.get(phone) ?? 0) + 1)
  }
  return [...seen].filter(([, n]) => n > 1).map(([phone]) => phone)
}

test('retrying ConnectionError and TimeoutError sends no customer twice', async () => {
  const sandbox = await Sandbox.start({ faults: { drop_after: 0.05, seed: 12 }, merge: false })
  try {
    const client = sandbox.client({ maxRetries: 0 })
    let unknown = 0
    for (let i = 0; i < 300; i++) {
      for (let attempt = 0; attempt < 4; attempt++) {
        try {
          await client.addCustomer(request(i))
          break
        } catch (error) {
          if (error instanceof ConnectionError || error instanceof TimeoutError) continue
          if (error instanceof OutcomeUnknownError) unknown += 1
          break
        }
      }
    }
    assert.ok(unknown > 0, 'the sandbox dropped no reply: the test proves nothing')
    assert.deepEqual(duplicates(sandbox), [])
    assert.equal(sandbox.stats().add_update_requests, 300)
  } finally {
    await sandbox.stop()
  }
})

test('catching ApiError as "the CRM refused" never catches an unknown outcome', async () => {
  const sandbox = await Sandbox.start({ faults: { server_error: 1.0 } })
  try {
    const refused = []
    const error = await (async () => {
      try {
        await sandbox.client({ maxRetries: 0 }).addCustomer(request(1))
      } catch (e) {
        if (e instanceof ApiError) refused.push(e)
        else return e
      }
    })()
    assert.deepEqual(refused, [])
    assert.ok(error instanceof OutcomeUnknownError)
    assert.equal(error.code, 'server')
    assert.equal(error.status, 500)
  } finally {
    await sandbox.stop()
  }
})
