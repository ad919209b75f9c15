import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '../index.mjs'
import { scripted, step, MINIMAL } from './helpers.mjs'

test('the event loop keeps ticking during a slow call', async () => {
  const server = await scripted(step.success({ delayMs: 1000 }))
  try {
    let ticks = 0
    const timer = setInterval(() => {
      ticks += 1
    }, 10)
    await server.client().addCustomer(MINIMAL)
    clearInterval(timer)
    assert.ok(ticks >= 50, `only ${ticks} ticks in a one-second call`)
  } finally {
    await server.close()
  }
})

test('50 concurrent calls on one client share its connection pool', async () => {
  const server = await scripted(step.success({ delayMs: 20 }))
  try {
    const client = server.client()
    const calls = Array.from({ length: 50 }, (_, i) =>
      client.addCustomer({ customer_info: { customer_name: `C${i}`, phone: `98${String(i).padStart(8, '0')}` } }))
    const replies = await Promise.all(calls)
    assert.equal(replies.length, 50)
    assert.equal(server.count, 50)
    const names = new Set(server.requests.map((r) => JSON.parse(r.body).customer_info.customer_name))
    assert.equal(names.size, 50)
    // Connections are reused: a second wave opens no new ones.
    const opened = server.connections
    assert.ok(opened <= 50)
    await Promise.all(Array.from({ length: 20 }, () => client.addCustomer(MINIMAL)))
    assert.equal(server.connections, opened)
  } finally {
    await server.close()
  }
})

test('50 concurrent adds against the sandbox store 50 customers once each', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    await Promise.all(Array.from({ length: 50 }, (_, i) =>
      client.addCustomer({ customer_info: { customer_name: `C${i}`, phone: `97${String(i).padStart(8, '0')}` } })))
    const customers = sandbox.customers()
    assert.equal(customers.length, 50)
    assert.ok(customers.every((c) => c.writes === 1))
  } finally {
    await sandbox.stop()
  }
})
