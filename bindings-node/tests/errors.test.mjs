import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import util from 'node:util'
import * as kapture from '../index.mjs'
import { scripted, step, TOKEN, MINIMAL } from './helpers.mjs'

async function errorFrom(s, options = {}) {
  const server = await scripted(s)
  try {
    await server.client({ maxRetries: 0, ...options }).addCustomer(MINIMAL)
  } catch (error) {
    return error
  } finally {
    await server.close()
  }
  throw new Error('no error')
}

function assertNoToken(value) {
  const shown = util.inspect(value, { depth: Infinity, showHidden: true }) + String(value) + JSON.stringify(value)
  assert.ok(!shown.includes(TOKEN), `token leaked: ${shown}`)
}

const cases = [
  ['AuthenticationError', 'authentication', step.json(401, '{"message":"Invalid Auth Key","status":"failed"}'), (e) => {
    assert.ok(e instanceof kapture.ApiError)
    assert.equal(e.status, 401)
    assert.match(e.body, /Invalid Auth Key/)
    assert.equal(e.cause.message, 'Invalid Auth Key')
  }],
  ['ApiError', 'api', step.json(200, '{"message":"Name, Email Id, and Phone Number required","status":"failed"}'), (e) => {
    assert.equal(e.status, 200)
    assert.equal(e.cause.message, 'Name, Email Id, and Phone Number required')
  }],
  ['RateLimitError', 'rate_limited', step.json(429, '{}', { headers: { 'Retry-After': '7' } }), (e) => {
    assert.equal(e.retryAfter, 7)
    assert.ok(e instanceof kapture.ApiError)
  }],
  ['OutcomeUnknownError', 'server', step.text(500, 'upstream trouble'), (e) => {
    assert.equal(e.status, 500)
    assert.equal(e.outcomeUnknown, true)
    assert.ok(!(e instanceof kapture.ApiError), 'an unknown outcome is not a refusal')
  }],
  ['ServerError', 'server', step.text(503, 'busy'), (e) => assert.equal(e.outcomeUnknown, false)],
  ['OutcomeUnknownError', 'unexpected_response', step.text(200, '<!DOCTYPE html><title>Proxy</title>', 'text/html'), (e) => {
    assert.match(e.message, /<!DOCTYPE html><title>Proxy/)
    assert.equal(e.status, 200)
  }],
  ['OutcomeUnknownError', 'connection', step.reset(), (e) => {
    assert.equal(e.outcomeUnknown, true)
    assert.ok(!(e instanceof kapture.ConnectionError), 'a lost reply is not a safe-to-retry ConnectionError')
    assert.match(e.message, /may or may not have been created/)
    assert.ok(e.cause instanceof Error)
  }],
]

for (const [className, code, s, check] of cases) {
  test(`${className} (${code}) from a scripted reply`, async () => {
    const error = await errorFrom(s)
    assert.ok(error instanceof kapture[className], `${error}`)
    assert.ok(error instanceof kapture.KaptureError)
    assert.ok(error instanceof Error)
    assert.equal(error.name, className)
    assert.equal(error.code, code)
    assert.ok(typeof error.stack === 'string')
    check(error)
    assertNoToken(error)
  })
}

test('OutcomeUnknownError (timeout) when no reply comes in time', async () => {
  const error = await errorFrom(step.success({ delayMs: 2000 }), { timeoutMs: 300 })
  assert.ok(error instanceof kapture.OutcomeUnknownError)
  assert.ok(!(error instanceof kapture.TimeoutError))
  assert.equal(error.code, 'timeout')
  assert.equal(error.outcomeUnknown, true)
})

test('a refused connection is a ConnectionError with a known outcome', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  const client = new kapture.Client({ token: TOKEN, baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 })
  await assert.rejects(client.addCustomer(MINIMAL), (e) => e instanceof kapture.ConnectionError && e.outcomeUnknown === false)
})

for (const [options, expected] of [
  [{ token: TOKEN }, /no target/],
  [{ token: TOKEN, subdomain: 'acme.kapturecrm.com' }, /DNS label/],
  [{ token: TOKEN, baseUrl: 'http://crm.example.com' }, /loopback/],
  [{ token: TOKEN, subdomain: 'a', baseUrl: 'https://b.example.com' }, /not both/],
  [{ token: TOKEN, subdomain: 'a', timeoutMs: 0 }, /timeoutMs/],
  [{ token: TOKEN, subdomain: 'a', maxRetries: -1 }, /maxRetries/],
  [{ subdomain: 'acme' }, /KAPTURE_TOKEN/],
  [{ token: 'secret-part\n', subdomain: 'acme' }, /control characters/],
]) {
  test(`ConfigError: ${expected}`, () => {
    assert.throws(() => new kapture.Client(options), (e) => {
      assert.ok(e instanceof kapture.ConfigError)
      assert.equal(e.code, 'config')
      assert.match(e.message, expected)
      assert.ok(!e.message.includes('secret-part'))
      assertNoToken(e)
      return true
    })
  })
}

test('the token is in no inspect output, JSON or error', async () => {
  const server = await scripted(step.json(400, `{"status":"failed","message":"bad key ${TOKEN}"}`))
  try {
    const client = server.client({ maxRetries: 0 })
    assertNoToken(client)
    const error = await client.addCustomer(MINIMAL).catch((e) => e)
    assert.ok(error instanceof kapture.ApiError)
    assert.match(error.message, /\[REDACTED\]/)
    assertNoToken(error)
    const sandbox = await kapture.Sandbox.start({ token: TOKEN })
    assert.ok(!util.inspect(sandbox).includes(TOKEN))
    assertNoToken(sandbox.client())
    await sandbox.stop()
  } finally {
    await server.close()
  }
})

test('an already-exists refusal names its ids (issue 12)', async () => {
  const body = '{"message": "Lead already exists, Customer ID :45759542, Enquiry ID :10934634, Contact ID : 49560612", "status": "failed"}'
  const e = await errorFrom(step.json(200, body))
  assert.ok(e instanceof kapture.ApiError)
  assert.equal(e.existingCustomerId, 45759542)
  assert.equal(e.existingContactId, 49560612)
  const other = await errorFrom(step.json(200, '{"message": "Name, Email Id, and Phone Number required", "status": "failed"}'))
  assert.equal(other.existingCustomerId, null)
})
