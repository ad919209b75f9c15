// Regression tests of issue 9 (one outcome per record, whatever happens),
// named after its cases.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import kapture, {
  Sandbox, Client, ConfigError, ClosedError, InternalError, OutcomeUnknownError, ApiError, ValidationError, KaptureError, validate,
} from '../index.mjs'
import { createRequire } from 'node:module'
import { scripted, step, TOKEN, VENDOR_RESPONSE_TEXT } from './helpers.mjs'

const require = createRequire(import.meta.url)
const native = require('../native.js')
const { BY_CLASS } = require('../lib/errors.js')
const record = (i) => ({ customer_info: { customer_name: `Customer ${i}`, phone: `95${String(i).padStart(8, '0')}` } })

test('case 2: a huge Retry-After header does not break a bulk run', async () => {
  const server = await scripted(step.success({ headers: { 'Retry-After': '1e20' } }))
  try {
    const results = await server.client().addCustomers(Array.from({ length: 20 }, (_, i) => record(i)), { concurrency: 4 })
    assert.equal(results.length, 20)
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)?.error?.message))
    assert.equal(server.count, 20)
  } finally {
    await server.close()
  }
})

test('a bulk run takes no test hook in the release addon: `_testPanicAfter` is an unknown option', () => {
  assert.equal(native.testingPanicNextRunAfter, undefined)
  const client = new Client({ token: TOKEN, baseUrl: 'http://127.0.0.1:9' })
  assert.throws(() => client.addCustomers([], { _testPanicAfter: 1 }), (error) => error instanceof ConfigError && /_testPanicAfter/.test(error.message))
})

test('every core error class has a class', () => {
  const classes = native.errorClasses()
  assert.deepEqual(new Set(classes), new Set(Object.keys(BY_CLASS)))
  for (const [code, Class] of Object.entries(BY_CLASS)) {
    const error = new Class('x')
    assert.equal(error.code, code)
    assert.ok(error instanceof KaptureError)
  }
  assert.ok(new ClosedError('x') instanceof ConfigError)
})

test('case 10: deep nesting is a ValidationError, not a crash', () => {
  // 100: the core's check; 1000: past serde_json's limit (the core scans the
  // text for the path); 20000: past V8's stack (JSON.stringify throws).
  for (const depth of [100, 1000, 20000]) {
    let deep = {}
    for (let i = 0; i < depth; i++) deep = { k: deep }
    const request = { customer_info: { customer_name: 'A', phone: '9380491387', additional_fields: deep } }
    assert.throws(() => validate(request), (e) => e instanceof ValidationError && /deeper than 64/.test(e.errors[0].message) && e.errors[0].path.startsWith('customer_info.additional_fields.k.k'))
  }
  const cycle = { customer_name: 'A', phone: '9380491387' }
  cycle.additional_fields = cycle
  assert.throws(() => validate({ customer_info: cycle }), ValidationError)
})

test('case 11: bulk settings are refused as the core refuses them', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    for (const options of [{ concurrency: 0 }, { concurrency: -5 }, { concurrency: 2000 }, { concurrency: 8.5 },
      { rate: 0 }, { rate: -5 }, { rate: NaN }, { rate: 1e-300 }]) {
      const name = Object.keys(options)[0]
      assert.throws(() => client.addCustomers([record(1)], options),
        (e) => e instanceof ConfigError && e.message.startsWith(`configuration error: ${name} must be`), JSON.stringify(options))
    }
    for (const options of [{ timeoutMs: 0 }, { timeoutMs: 1e300 }, { connectTimeoutMs: -1 }, { maxRetries: -1 }, { maxRetries: 1.5 }]) {
      assert.throws(() => new Client({ token: TOKEN, baseUrl: sandbox.url, ...options }), ConfigError, JSON.stringify(options))
    }
    assert.throws(() => new Client({ token: TOKEN, baseUrl: sandbox.url, subdomain: 'acme' }), /not both/)
  } finally {
    await sandbox.stop()
  }
})

test('case 13: a token near the preview limit, or JSON-escaped, is scrubbed', async () => {
  const token = 'Zm9vOmJhcjEyMzQ1Njc'
  for (const offset of [1, 8, token.length - 1]) {
    const html = '<html>' + 'x'.repeat(4096 - 6 - offset) + token + ' tail</html>'
    const server = await scripted(step.text(502, html, 'text/html'))
    try {
      const error = await new Client({ token, baseUrl: server.url, maxRetries: 0 }).addCustomer(record(1)).catch((e) => e)
      assert.ok(error instanceof OutcomeUnknownError)
      assert.ok(!`${error.message} ${error.body} ${error.cause?.message}`.includes(token.slice(0, 8)), `offset ${offset}`)
    } finally {
      await server.close()
    }
  }
  const escaped = 'ab\\/cd\\u002Bef=='
  const server = await scripted(step.json(400, `{"status":"failed","message":"bad key ${escaped}","echo":"${escaped}"}`))
  try {
    const error = await new Client({ token: 'ab/cd+ef==', baseUrl: server.url }).addCustomer(record(1)).catch((e) => e)
    assert.ok(error instanceof ApiError)
    const shown = `${error.message} ${error.body} ${error.cause?.message}`
    assert.ok(!shown.includes(escaped) && !shown.includes('cd+ef'), shown)
    assert.ok(shown.includes('[REDACTED]'))
  } finally {
    await server.close()
  }
})

test('case 14: control characters from a server are escaped', async () => {
  const server = await scripted(step.text(502, '\u001b[2J\u001b[HAll 5000 rows added OK\r'))
  try {
    const error = await server.client({ maxRetries: 0 }).addCustomer(record(1)).catch((e) => e)
    assert.ok(error instanceof OutcomeUnknownError)
    const shown = `${error.message} ${error.body}`
    assert.ok(!shown.includes('\u001b') && !shown.includes('\r'), shown)
    assert.ok(shown.includes('\\x1b[2J'))
  } finally {
    await server.close()
  }
})

test('the default export carries the new classes', () => {
  assert.equal(kapture.InternalError, InternalError)
  assert.equal(kapture.ClosedError, ClosedError)
})

// Step 14: the error classes are listed by hand in lib/errors.js,
// index.js and index.mjs; each class of the core's list is exported by both
// entry points (a class added to the core and errors.js alone fails here).
test('every error class is exported by index.js and index.mjs', async () => {
  const { BY_CLASS: classes } = require('../lib/errors.js')
  const cjs = require('../index.js')
  const esm = await import('../index.mjs')
  const names = new Set(Object.values(classes).map((Class) => Class.name))
  names.add('KaptureError')
  for (const name of names) {
    assert.equal(typeof cjs[name], 'function', `index.js does not export ${name}`)
    assert.equal(esm[name], cjs[name], `index.mjs does not export ${name}`)
  }
})
