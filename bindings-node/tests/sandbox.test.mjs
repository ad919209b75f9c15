import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, Client, RateLimitError, OutcomeUnknownError, ConfigError } from '../index.mjs'
import { vendorRequest } from './helpers.mjs'

test('the sandbox answers like the vendor and shows what it stored', async () => {
  const sandbox = await Sandbox.start({ token: 'my-test-token' })
  assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(sandbox.token, 'my-test-token')
  const reply = await new Client({ token: sandbox.token, baseUrl: sandbox.url }).addCustomer(vendorRequest())
  assert.deepEqual(reply, {
    status: 'success',
    customer: { result: true, customer_id: 100000001, action: 'CUSTOMER', action_event: 'ADD_CUSTOMER', contact_id: 200000001 },
    message: 'Customer Added successfully !Contact Added successfully !',
  })
  const [stored] = sandbox.customers()
  assert.equal(stored.writes, 1)
  assert.deepEqual(stored.request, vendorRequest())
  const overHttp = await (await fetch(`${sandbox.url}/sandbox/customers`)).json()
  assert.deepEqual(overHttp, sandbox.customers())
  sandbox.clear()
  assert.deepEqual(sandbox.customers(), [])
  await sandbox.stop()
  assert.throws(() => sandbox.customers(), ConfigError)
})

test('faults from a spec or an object, changed at run time', async () => {
  const sandbox = await Sandbox.start({ faults: 'rate_limit=1.0,retry_after=5' })
  try {
    const client = sandbox.client({ maxRetries: 0 })
    await assert.rejects(client.addCustomer({ customer_info: { customer_name: 'A', email_id: 'a@b.co' } }), (e) => e instanceof RateLimitError && e.retryAfter === 5)
    sandbox.setFaults({ html: 1 })
    assert.equal(sandbox.faults().html, 1)
    await assert.rejects(client.addCustomer({ customer_info: { customer_name: 'A', email_id: 'a@b.co' } }), OutcomeUnknownError)
    assert.deepEqual(sandbox.stats().faults_injected, { rate_limit: 1, html: 1 })
  } finally {
    await sandbox.stop()
  }
})

for (const faults of ['rate_limit=2', { rate_limit: 0.7, html: 0.7 }, { ratelimit: 0.1 }]) {
  test(`bad faults are a ConfigError: ${JSON.stringify(faults)}`, async () => {
    await assert.rejects(Sandbox.start({ faults }), (e) => e instanceof ConfigError && /faults/.test(e.message))
  })
}
