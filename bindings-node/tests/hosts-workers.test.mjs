// The addon in hosts that load it on workers that come and go (vitest's
// threads pool, Piscina, tinypool): each worker requires it and exits, the
// next one requires it again. Run in a fresh process, since what matters is
// which thread loads the addon first.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const indexPath = fileURLToPath(new URL('../index.js', import.meta.url))

test('the addon loaded by twenty successive workers that exit, then by the main thread, keeps the process alive', () => {
  const script = `
    const { Worker } = require('node:worker_threads')
    const body = ${JSON.stringify(`
      const { parentPort, workerData } = require('node:worker_threads')
      const kapture = require(${JSON.stringify(indexPath)})
      ;(async () => {
        kapture.validate({ customer_info: { customer_name: 'W', phone: '9380491387' } })
        const sandbox = await kapture.Sandbox.start()
        const client = sandbox.client()
        const reply = await client.addCustomer({ customer_info: { customer_name: 'W' + workerData, phone: '93804913' + String(workerData).padStart(2, '0') } })
        client.close?.()
        await sandbox.stop()
        parentPort.postMessage(reply.status)
      })().catch((e) => { parentPort.postMessage('error: ' + e.message) })
    `)}
    ;(async () => {
      for (let i = 0; i < 20; i++) {
        const status = await new Promise((resolve, reject) => {
          const worker = new Worker(body, { eval: true, workerData: i })
          let said
          worker.on('message', (m) => { said = m })
          worker.on('error', reject)
          worker.on('exit', () => resolve(said))
        })
        if (status !== 'success') throw new Error('worker ' + i + ': ' + status)
      }
      const kapture = require(${JSON.stringify(indexPath)})
      kapture.validate({ customer_info: { customer_name: 'main', phone: '9380491387' } })
      console.log('ok')
    })().catch((e) => { console.error(e); process.exit(1) })
  `
  const done = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 })
  assert.equal(done.signal, null, `killed by ${done.signal}: ${done.stderr.slice(-2000)}`)
  assert.equal(done.status, 0, done.stderr.slice(-2000))
  assert.equal(done.stdout.trim(), 'ok')
})
