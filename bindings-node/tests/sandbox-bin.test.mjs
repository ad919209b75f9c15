// The npm package's `kapture-sandbox` bin: a real child process that prints
// the export line, serves until a signal, and stops with exit 0; bad flags
// exit 2. And package.json is exported (require.resolve of it works).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '../index.mjs'

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kapture-sandbox.js')
const require = createRequire(import.meta.url)

function firstLine(child) {
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout.on('data', (chunk) => {
      text += chunk
      const end = text.indexOf('\n')
      if (end >= 0) resolve(text.slice(0, end))
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing`)))
  })
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`kapture-sandbox serves until ${signal}, then exits 0`, async () => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--token', 'bin-test-token'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      const line = await firstLine(child)
      const match = /^export KAPTURE_BASE_URL=(http:\/\/127\.0\.0\.1:\d+) KAPTURE_TOKEN=(\S+)$/.exec(line)
      assert.ok(match, line)
      assert.equal(match[2], 'bin-test-token')
      // Still serving a moment later: the process is held open.
      await new Promise((resolve) => setTimeout(resolve, 300))
      const reply = await new Client({ baseUrl: match[1], token: match[2] })
        .addCustomer({ customer_info: { customer_name: 'Asha', phone: '9380491387' } })
      assert.equal(reply.status, 'success')
      child.kill(signal)
      const [code] = await once(child, 'exit')
      assert.equal(code, 0)
    } finally {
      child.kill('SIGKILL')
    }
  })
}

test('kapture-sandbox refuses an unknown flag and a bad port with exit 2', async () => {
  for (const args of [['--prot', '1'], ['--port', 'x']]) {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (chunk) => { err += chunk })
    const [code] = await once(child, 'exit')
    assert.equal(code, 2, err)
    assert.match(err, /kapture-sandbox: /)
  }
})

test('package.json is exported', () => {
  assert.ok(require.resolve('kapture-crm/package.json').endsWith('package.json'))
})
