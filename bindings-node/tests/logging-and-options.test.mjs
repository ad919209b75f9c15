// Step 10: log records to a logger, KAPTURE_LOG, per-call options, AbortSignal,
// and option names checked.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { AbortedError, Client, ConfigError, OutcomeUnknownError, RateLimitError, Sandbox } from '../index.mjs'
import { TOKEN, scripted, step } from './helpers.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const PHONE = '9845012387'
const EMAIL = 'asha.rao@example.com'
const REQUEST = { customer_info: { customer_name: 'Asha Rao', phone: PHONE, email_id: EMAIL } }

/** A logger that keeps what it is given (pino's `(fields, message)`); `methods` limits which it has. */
function capture(methods = ['debug', 'info', 'warn', 'error']) {
  const lines = []
  const logger = {}
  for (const level of methods) logger[level] = (fields, message, ...rest) => lines.push({ level, fields, message, rest })
  return { logger, lines }
}

/** Records arrive through the event loop: let them. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

function assertClean(lines) {
  const text = lines.map((l) => `${JSON.stringify(l.fields)} ${l.message}`).join('\n')
  for (const secret of [TOKEN, PHONE, EMAIL, 'asha.rao']) assert.ok(!text.includes(secret), `${secret} logged:\n${text}`)
}

test('debug: each attempt of a retried 429 and the retry, nothing secret', async () => {
  const server = await scripted(
    step.json(429, `{"status":"failed","message":"slow down ${PHONE} ${EMAIL}"}`, { headers: { 'Retry-After': '0' } }),
    step.success(),
  )
  try {
    const { logger, lines } = capture()
    await server.client({ logLevel: 'debug', logger }).addCustomer(REQUEST)
    await settle()
    const attempts = lines.filter((l) => l.level === 'debug' && l.message.startsWith('attempt '))
    assert.equal(attempts.length, 2, JSON.stringify(lines, null, 1))
    assert.match(attempts[0].message, /^attempt 1: POST \/ms\/customer\/customer\/api\/v1\/add-update -> 429/)
    assert.match(attempts[1].message, /attempt 2: POST .* -> 200/)
    // Issue 37 item 7: the fields as an object first (pino's order), named
    // as JavaScript spells them, with values of their own type; the message
    // does not repeat them; nothing after the message.
    const { latencyMs, ...fields } = attempts[0].fields
    assert.deepEqual(fields, {
      target: 'kapture_crm::http',
      method: 'POST',
      path: '/ms/customer/customer/api/v1/add-update',
      attempt: 1,
      status: 429,
      error: 'rate_limited',
      outcomeUnknown: false,
    })
    assert.equal(typeof latencyMs, 'number')
    assert.ok(!attempts[0].message.includes('latency'), attempts[0].message)
    assert.deepEqual(attempts[0].rest, [])
    const retries = lines.filter((l) => l.level === 'info')
    assert.equal(retries.length, 1)
    assert.match(retries[0].message, /^retrying after /)
    assert.equal(retries[0].fields.error, 'rate_limited')
    assert.equal(typeof retries[0].fields.delayMs, 'number')
    const text = lines.map((l) => l.message).join('\n')
    assert.ok(text.includes('98******87') && text.includes('a***@example.com'), text)
    assertClean(lines)
  } finally {
    await server.close()
  }
})

test('warn by default: an unknown outcome is reported, attempts are not; a missing method is skipped', async () => {
  const server = await scripted(step.reset())
  try {
    const { logger, lines } = capture()
    await assert.rejects(server.client({ logger }).addCustomer(REQUEST), (e) => e.outcomeUnknown === true)
    await settle()
    assert.deepEqual(lines.map((l) => l.level), ['warn'])
    assert.match(lines[0].message, /^outcome unknown/)
    assert.equal(lines[0].fields.outcomeUnknown, true)
    // No Rust method name (find_customer) in a JavaScript record.
    assert.ok(!lines[0].message.includes('find_customer'), lines[0].message)
    assertClean(lines)

    const partial = capture(['debug', 'info'])
    await assert.rejects(server.client({ logger: partial.logger, logLevel: 'debug' }).addCustomer(REQUEST))
    await settle()
    assert.ok(partial.lines.length > 0 && partial.lines.every((l) => l.level === 'debug'), JSON.stringify(partial.lines))

    const off = capture()
    await assert.rejects(server.client({ logger: off.logger, logLevel: 'off' }).addCustomer(REQUEST))
    await settle()
    assert.deepEqual(off.lines, [])
  } finally {
    await server.close()
  }
})

test('with no logger, console gets one line of text per record, each thing said once', async () => {
  const sandbox = await Sandbox.start()
  try {
    const script = `
      const { Client } = require(${JSON.stringify(path.join(here, '..', 'index.js'))})
      new Client({ token: ${JSON.stringify(sandbox.token)}, baseUrl: ${JSON.stringify(sandbox.url)}, logLevel: 'debug' })
        .addCustomer({ customer_info: { customer_name: 'Asha', phone: ${JSON.stringify(PHONE)} } })
    `
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    const attempt = run.stdout.split('\n').find((l) => l.startsWith('[kapture_crm::http] attempt 1: POST '))
    assert.ok(attempt, run.stdout)
    assert.equal(attempt.split('POST').length, 2, attempt)
    assert.equal(attempt.split('/add-update').length, 2, attempt)
    assert.ok(!run.stdout.includes(PHONE) && !run.stdout.includes(sandbox.token), run.stdout)
  } finally {
    await sandbox.stop()
  }
})

test('KAPTURE_LOG sets the level; the option wins over it; a bad level is a ConfigError', async () => {
  const sandbox = await Sandbox.start()
  try {
    const script = `
      const { Client } = require(${JSON.stringify(path.join(here, '..', 'index.js'))})
      const lines = []
      const logger = { debug: (f, m) => lines.push('debug [' + f.target + '] ' + m), info: (f, m) => lines.push('info ' + m), warn: (f, m) => lines.push('warn ' + m), error: (f, m) => lines.push('error ' + m) }
      const options = { token: ${JSON.stringify(sandbox.token)}, baseUrl: ${JSON.stringify(sandbox.url)}, logger }
      if (process.argv[1] === 'option') options.logLevel = 'off'
      new Client(options).findCustomer({ phone: ${JSON.stringify(PHONE)} })
        .then(() => setTimeout(() => console.log(JSON.stringify(lines)), 50))
    `
    const run = (arg, env) =>
      spawnSync(process.execPath, ['-e', script, arg], { env: { ...process.env, ...env }, encoding: 'utf8' })
    const debug = run('env', { KAPTURE_LOG: 'debug' })
    assert.equal(debug.status, 0, debug.stderr)
    const lines = JSON.parse(debug.stdout)
    assert.ok(lines.some((l) => l.startsWith('debug [kapture_crm::lookup] lookup by phone 98******87')), debug.stdout)
    assert.ok(!debug.stdout.includes(PHONE) && !debug.stdout.includes(sandbox.token))
    const optionWins = run('option', { KAPTURE_LOG: 'debug' })
    assert.deepEqual(JSON.parse(optionWins.stdout), [])
  } finally {
    await sandbox.stop()
  }
  const old = process.env.KAPTURE_LOG
  process.env.KAPTURE_LOG = 'loud'
  try {
    assert.throws(
      () => new Client({ token: TOKEN, baseUrl: 'http://127.0.0.1:9' }),
      (e) => e instanceof ConfigError && /KAPTURE_LOG must be one of off, error, warn, info, debug/.test(e.message),
    )
  } finally {
    if (old === undefined) delete process.env.KAPTURE_LOG
    else process.env.KAPTURE_LOG = old
  }
  assert.throws(
    () => new Client({ token: TOKEN, baseUrl: 'http://127.0.0.1:9', logLevel: 'verbose' }),
    (e) => e instanceof ConfigError && /logLevel must be one of/.test(e.message),
  )
})

test('unknown option names are a ConfigError with the closest name', async () => {
  assert.throws(
    () => new Client({ token: TOKEN, baseUrl: 'http://127.0.0.1:9', timeout: 5 }),
    (e) => e instanceof ConfigError && e.message.includes('"timeout" is not an option of new Client(); did you mean "timeoutMs"?'),
  )
  const server = await scripted(step.success())
  try {
    const client = server.client()
    await assert.rejects(
      client.addCustomer(REQUEST, { maxRetry: 1 }),
      (e) => e instanceof ConfigError && /did you mean "maxRetries"/.test(e.message),
    )
    await assert.rejects(client.findCustomer({ phone: PHONE }, { timeout: 5 }), /did you mean "timeoutMs"/)
    assert.throws(() => client.addCustomers([REQUEST], { concurency: 2 }), /did you mean "concurrency"/)
    await assert.rejects(client.addCustomer(REQUEST, { timeoutMs: -5 }), /timeoutMs must be a positive number of milliseconds/)
    await assert.rejects(client.addCustomer(REQUEST, { signal: 'stop' }), (e) => e instanceof ConfigError)
    assert.equal(server.count, 0, 'nothing sent for a bad option')
  } finally {
    await server.close()
  }
})

test('timeoutMs and maxRetries per call override the client', async () => {
  const slow = await scripted(step.success({ delayMs: 600 }))
  const busy = await scripted(step.json(429, '{}', { headers: { 'Retry-After': '0' } }))
  try {
    const client = slow.client({ maxRetries: 0 })
    await assert.rejects(client.addCustomer(REQUEST, { timeoutMs: 100 }), (e) => e instanceof OutcomeUnknownError && e.code === 'timeout')
    assert.equal((await client.addCustomer(REQUEST)).status, 'success')

    const strict = busy.client({ maxRetries: 0 })
    await assert.rejects(strict.addCustomer(REQUEST, { maxRetries: 3 }), RateLimitError)
    assert.equal(busy.count, 4)
    await assert.rejects(strict.findCustomer({ phone: PHONE }, { maxRetries: 1 }), RateLimitError)
    assert.equal(busy.count, 6)
    await assert.rejects(strict.updateCustomer(7, REQUEST, { maxRetries: 2 }), RateLimitError)
    assert.equal(busy.count, 9)
    const results = await strict.addCustomers([REQUEST], { maxRetries: 1 })
    assert.equal(results[0].error.code, 'rate_limited')
    assert.equal(busy.count, 11)
  } finally {
    await slow.close()
    await busy.close()
  }
})

test('an aborted signal sends nothing; aborting mid-call rejects with AbortError, outcome unknown', async () => {
  const server = await scripted(step.success({ delayMs: 3000 }))
  try {
    const client = server.client()
    const early = new AbortController()
    early.abort()
    await assert.rejects(client.addCustomer(REQUEST, { signal: early.signal }), (e) => {
      assert.ok(e instanceof AbortedError)
      assert.equal(e.name, 'AbortError')
      assert.equal(e.code, 'aborted')
      assert.equal(e.outcomeUnknown, false)
      return true
    })
    await assert.rejects(client.findCustomer({ phone: PHONE }, { signal: early.signal }), { name: 'AbortError' })
    assert.equal(server.count, 0)

    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const started = Date.now()
    await assert.rejects(client.addCustomer(REQUEST, { signal: controller.signal }), (e) => {
      assert.equal(e.name, 'AbortError')
      assert.equal(e.outcomeUnknown, true)
      return true
    })
    assert.ok(Date.now() - started < 2000, 'settled at the abort, not at the reply')
    assert.equal(server.count, 1)
  } finally {
    await server.close()
  }
})

test('aborting addCustomers: answered records keep their result, in-flight ones are unknown, the rest aborted', async () => {
  const sandbox = await Sandbox.start({ faults: { latency_ms: 800 } })
  try {
    const client = sandbox.client()
    const records = Array.from({ length: 30 }, (_, i) => ({
      customer_info: { customer_name: `C${i}`, phone: `98450${String(i).padStart(5, '0')}` },
    }))
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 1200)
    const results = await client.addCustomers(records, { concurrency: 2, signal: controller.signal })
    assert.equal(results.length, records.length, 'one result per element')
    const kinds = results.map((r) => (r.ok ? 'ok' : r.error.outcomeUnknown ? 'unknown' : 'aborted'))
    assert.deepEqual(kinds.slice(0, 4), ['ok', 'ok', 'unknown', 'unknown'], kinds.join(','))
    assert.ok(kinds.slice(4).every((k) => k === 'aborted'), kinds.join(','))
    assert.ok(results.slice(2, 4).every((r) => r.error instanceof OutcomeUnknownError && r.error.code === 'aborted'))
    assert.ok(results.slice(4).every((r) => r.error instanceof AbortedError))
    assert.ok(results.slice(2).every((r) => r.error.name === 'AbortError'))
    const sent = sandbox.stats().add_update_requests
    assert.ok(sent <= 4, `at most the 4 started were sent, got ${sent}`)
  } finally {
    await sandbox.stop()
  }
})
