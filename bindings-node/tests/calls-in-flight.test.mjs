// How calls' outcomes come back (src/hub.rs, lib/hub.js): many at a time,
// each to its own promise, in the realm (main thread or worker) that made
// the call, with the process kept alive exactly while a call is pending.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'

import { ApiError, Client, ConnectionError } from '../index.mjs'
import { MINIMAL, TOKEN, scripted, step } from './helpers.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const PACKAGE = path.join(here, '..', 'index.js')

/** A server answering each request with its own number (from the name
 * `C<n>`) as the customer id; every seventh is refused with a 400 naming it. */
async function numbered() {
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const n = Number(JSON.parse(Buffer.concat(chunks).toString()).customer_info.customer_name.slice(1))
      // Replies out of order: a later call may well be answered first.
      setTimeout(() => {
        if (n % 7 === 0) {
          res.writeHead(400, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify({ status: 'failed', message: `refused C${n}` }))
        } else {
          res.writeHead(200, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify({ status: 'success', customer: { customer_id: n, contact_id: n + 1 } }))
        }
      }, (n * 13) % 40)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }
}

const request = (n) => ({ customer_info: { customer_name: `C${n}`, phone: `98${String(n).padStart(8, '0')}` } })

test('each of 300 concurrent calls settles once, with its own reply or error', async () => {
  const server = await numbered()
  try {
    const client = new Client({ token: TOKEN, baseUrl: server.url, maxRetries: 0 })
    const outcomes = await Promise.allSettled(Array.from({ length: 300 }, (_, n) => client.addCustomer(request(n))))
    outcomes.forEach((outcome, n) => {
      if (n % 7 === 0) {
        assert.equal(outcome.status, 'rejected', `call ${n}`)
        assert.ok(outcome.reason instanceof ApiError, `call ${n}: ${outcome.reason}`)
        assert.equal(outcome.reason.status, 400)
        assert.match(outcome.reason.message, new RegExp(`refused C${n}\\b`))
      } else {
        assert.equal(outcome.status, 'fulfilled', `call ${n}: ${outcome.reason}`)
        assert.equal(outcome.value.customer.customer_id, n)
        assert.equal(outcome.value.customer.contact_id, n + 1)
      }
    })
    // Two clients share the realm's hub; neither gets the other's replies.
    const other = new Client({ token: TOKEN, baseUrl: server.url, maxRetries: 0 })
    const [a, b] = await Promise.all([client.addCustomer(request(8)), other.addCustomer(request(9))])
    assert.deepEqual([a.customer.customer_id, b.customer.customer_id], [8, 9])
  } finally {
    await server.close()
  }
})

test('a script whose only work is a pending call waits for its reply, then exits', async () => {
  const server = await scripted(step.success({ delayMs: 400 }))
  try {
    // No top-level await: only the pending call keeps this process alive.
    const script = `
      const { Client } = require(${JSON.stringify(PACKAGE)})
      new Client({ token: 't', baseUrl: process.argv[1], maxRetries: 0 })
        .addCustomer({ customer_info: { customer_name: 'A', email_id: 'a@b.co' } })
        .then((reply) => console.log('reply', reply.customer.customer_id))
    `
    const started = Date.now()
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, server.url], { timeout: 20000 })
    assert.equal(stdout.trim(), 'reply 191690263')
    assert.ok(Date.now() - started >= 400)
    assert.equal(server.count, 1)
  } finally {
    await server.close()
  }
})

test('a process with an idle client exits on its own, after a call and after a failed one', async () => {
  const script = `
    const { Client } = require(${JSON.stringify(PACKAGE)})
    const client = new Client({ token: 't', baseUrl: 'http://127.0.0.1:9', maxRetries: 0 })
    client.addCustomer({ customer_info: { customer_name: 'A', email_id: 'a@b.co' } })
      .catch((error) => console.log(error.code))
  `
  // Port 9 refuses: the call fails fast, and nothing may keep the process up.
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 20000 })
  assert.equal(stdout.trim(), 'connection')
})

test('a call made in a worker thread settles in that worker, beside calls of the main thread', async () => {
  const server = await numbered()
  try {
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads')
      const { Client } = require(workerData.pkg)
      const client = new Client({ token: 't', baseUrl: workerData.url, maxRetries: 0 })
      Promise.all([1, 2, 3].map((n) => client.addCustomer({ customer_info: { customer_name: 'C' + (100 + n), email_id: 'a@b.co' } })))
        .then((replies) => parentPort.postMessage(replies.map((r) => r.customer.customer_id)))
      `,
      { eval: true, workerData: { pkg: PACKAGE, url: server.url } },
    )
    const fromWorker = new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    const client = new Client({ token: TOKEN, baseUrl: server.url, maxRetries: 0 })
    const mine = await Promise.all([211, 212, 213].map((n) => client.addCustomer(request(n))))
    assert.deepEqual(mine.map((r) => r.customer.customer_id), [211, 212, 213])
    assert.deepEqual(await fromWorker, [101, 102, 103])
    await worker.terminate()
  } finally {
    await server.close()
  }
})

test('a worker terminated with calls in flight leaves the process and later calls sound', async () => {
  const server = await scripted(step.success({ delayMs: 800 }))
  try {
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads')
      const { Client } = require(workerData.pkg)
      const client = new Client({ token: 't', baseUrl: workerData.url, maxRetries: 0 })
      for (let i = 0; i < 5; i++) {
        client.addCustomer({ customer_info: { customer_name: 'W', email_id: 'a@b.co' } }).catch(() => {})
      }
      parentPort.postMessage('sent')
      `,
      { eval: true, workerData: { pkg: PACKAGE, url: server.url } },
    )
    await new Promise((resolve) => worker.once('message', resolve))
    // Terminated while all five are at the server, waiting for their replies.
    for (let waited = 0; server.count < 5 && waited < 10000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(server.count, 5)
    await worker.terminate()
    // The worker's calls finish after its realm is gone: their outcomes
    // have nowhere to go, and must not take the process down.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const reply = await server.client({ maxRetries: 0 }).addCustomer(MINIMAL)
    assert.equal(reply.customer.customer_id, 191690263)
    assert.equal(server.count, 6)
  } finally {
    await server.close()
  }
})

test("a failed call's error is its class, with the caller's function in its stack", async () => {
  const client = new Client({ token: TOKEN, baseUrl: 'http://127.0.0.1:9', maxRetries: 0 })
  async function placeTheOrder() {
    await client.addCustomer(MINIMAL)
  }
  await assert.rejects(placeTheOrder(), (error) => {
    assert.ok(error instanceof ConnectionError)
    assert.equal(error.outcomeUnknown, false)
    assert.match(error.stack, /placeTheOrder/)
    return true
  })
})
