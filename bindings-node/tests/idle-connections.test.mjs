// The client behind a TCP proxy that closes connections idle for 0.5 s
// (tests/tools/idle_proxy.py, as a load balancer or nginx's keepalive_timeout
// would), and across a server restart: no request that never left is
// reported as an unknown outcome.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Sandbox, Client } from '../index.mjs'

const PROXY = fileURLToPath(new URL('../../tests/tools/idle_proxy.py', import.meta.url))
const CALLS = 50
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const record = (prefix, i) => ({ customer_info: { customer_name: `Idle ${prefix}-${i}`, phone: `9${prefix}${String(i).padStart(8, '0')}` } })

/** Gaps from [0, 0.3] or [0.7, 1] s (0.2 s either side of the 0.5 s cutoff, not the true race at it), seeded. */
function gaps(seed) {
  let state = seed
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648)
  return Array.from({ length: CALLS }, () => (next() < 0.5 ? next() * 300 : 700 + next() * 300))
}

async function startProxy(upstreamPort) {
  const child = spawn('python3', [PROXY, String(upstreamPort), '0.5'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve([l])))
  return { url: `http://127.0.0.1:${line.split(' ')[1]}`, stop: () => child.kill() }
}

test('no false unknown outcome after idle gaps behind a proxy that closes idle connections', async () => {
  const sandbox = await Sandbox.start()
  const proxy = await startProxy(new URL(sandbox.url).port)
  try {
    const client = new Client({ token: sandbox.token, baseUrl: proxy.url, maxRetries: 0 })
    const failures = []
    for (const [i, gap] of gaps(7).entries()) {
      await sleep(gap)
      try {
        await client.addCustomer(record(7, i))
      } catch (error) {
        failures.push(`after ${gap.toFixed(0)} ms: ${error.message}`)
      }
    }
    assert.deepEqual(failures, [])
    assert.equal(sandbox.stats().add_update_requests, CALLS)
  } finally {
    proxy.stop()
    await sandbox.stop()
  }
})

test('no false unknown outcome after the server restarts', async () => {
  const first = await Sandbox.start()
  const { token } = first
  const port = Number(new URL(first.url).port)
  const client = new Client({ token, baseUrl: first.url, maxRetries: 0 })
  await client.addCustomer(record(8, 0))
  await first.stop()
  const second = await Sandbox.start({ token, port })
  try {
    assert.equal((await client.addCustomer(record(8, 1))).status, 'success')
    assert.equal(second.stats().add_update_requests, 1)
  } finally {
    await second.stop()
  }
})
