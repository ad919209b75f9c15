// Step 13, case 8: no secret the client holds (token; password,
// user:password and its base64; default header values) reaches any Node
// output: an error's message, its JSON, util.inspect, the logger's records.
// The sandbox's `echo_secrets` fault quotes every credential back in every
// encoding (the core scrubber's table), run here through the Node front end.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import util from 'node:util'
import { Sandbox, Client, KaptureError } from '../index.mjs'

const TOKEN = 'Ab3xY+Tk7q9/Mn5pQ=Rs8tU+Wx2yZ/Bc4dE=Gh6iJ+Kl9mN/Op0qR=St1uV+Wx3yZ'
const PASSWORD = 'Pw7xQ+Lm3nB/Zk8sT=Yh2uR'
const BASIC = Buffer.from(`ops:${PASSWORD}`).toString('base64')
const HEADER = 'Hv9aB+Cd2eF/Gh5iJ=Kl8mN+Op1qR'

// Five-character pieces: any run of 12 characters of a secret holds one.
const PIECES = [TOKEN, PASSWORD, HEADER].flatMap((s) => s.split(/[+/=]/))
for (let i = 0; i + 6 <= BASIC.length; i += 6) PIECES.push(BASIC.slice(i, i + 6))

const REQUEST = { customer_info: { customer_name: 'Asha', phone: '9845012345' } }

function assertClean(what, text) {
  for (const piece of PIECES) assert.ok(!text.includes(piece), `${what}: ${piece} leaked in ${text}`)
}

function shown(error) {
  return {
    message: error.message,
    string: String(error),
    json: JSON.stringify(error),
    inspect: util.inspect(error, { depth: 5 }),
    stack: error.stack ?? '',
  }
}

for (const mode of ['token', 'password']) {
  test(`no secret reaches any Node output (${mode} mode)`, async () => {
    const sandbox = await Sandbox.start({ token: mode === 'token' ? TOKEN : BASIC, faults: { echo_secrets: 1 } })
    const records = []
    const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (...args) => records.push(util.format(...args))]))
    try {
      const credentials = mode === 'token' ? { token: TOKEN } : { username: 'ops', password: PASSWORD }
      const client = new Client({
        ...credentials,
        baseUrl: sandbox.url,
        defaultHeaders: { 'x-api-key': HEADER },
        maxRetries: 0,
        logLevel: 'debug',
        logger,
      })
      const outputs = { 'client inspect': util.inspect(client), 'client json': JSON.stringify(client) }
      const calls = [
        () => client.addCustomer(REQUEST),
        () => client.findCustomer({ phone: '9845012345' }),
        () => client.updateCustomer('12345', { customer_info: { city: 'Pune' } }),
      ]
      for (const [n, call] of calls.entries()) {
        const error = await call().then(
          () => assert.fail('expected the echo to be refused'),
          (e) => e,
        )
        assert.ok(error instanceof KaptureError)
        for (const [k, v] of Object.entries(shown(error))) outputs[`call ${n} ${k}`] = v
      }
      let n = 0
      for await (const result of client.addCustomers([REQUEST, REQUEST], { concurrency: 2 })) {
        assert.ok(!result.ok && result.error instanceof KaptureError, util.inspect(result))
        for (const [k, v] of Object.entries(shown(result.error))) outputs[`bulk ${n} ${k}`] = v
        outputs[`bulk ${n} result`] = util.inspect(result, { depth: 5 })
        n += 1
      }
      outputs.logs = records.join('\n')
      for (const [what, text] of Object.entries(outputs)) assertClean(what, text)
      const echoed = Object.entries(outputs).filter(([, text]) => text.includes('Rejected credentials'))
      assert.ok(echoed.length >= 10, `the echo was seen ${echoed.length} times`)
      assert.ok(outputs['call 0 message'].includes('[REDACTED]'))
    } finally {
      await sandbox.stop()
    }
  })
}
