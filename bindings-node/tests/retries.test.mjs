import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OutcomeUnknownError, ServerError } from '../index.mjs'
import { scripted, step, MINIMAL } from './helpers.mjs'

test('429 then 200 makes two requests', async () => {
  const server = await scripted(step.json(429, '{}', { headers: { 'Retry-After': '0' } }), step.success())
  try {
    assert.equal((await server.client().addCustomer(MINIMAL)).status, 'success')
    assert.equal(server.count, 2)
  } finally {
    await server.close()
  }
})

test('503 forever with maxRetries 2 makes three requests', async () => {
  const server = await scripted(step.text(503, 'busy', 'text/plain', { headers: { 'Retry-After': '0' } }))
  try {
    await assert.rejects(server.client({ maxRetries: 2 }).addCustomer(MINIMAL), ServerError)
    assert.equal(server.count, 3)
  } finally {
    await server.close()
  }
})

test('a reset after the request is not retried', async () => {
  const server = await scripted(step.reset(), step.success())
  try {
    await assert.rejects(server.client({ maxRetries: 5 }).addCustomer(MINIMAL), OutcomeUnknownError)
    assert.equal(server.count, 1)
  } finally {
    await server.close()
  }
})

test('Retry-After is honoured', async () => {
  const server = await scripted(step.json(429, '{}', { headers: { 'Retry-After': '1' } }), step.success())
  try {
    const started = Date.now()
    await server.client().addCustomer(MINIMAL)
    assert.ok(Date.now() - started >= 950, `${Date.now() - started} ms`)
    assert.equal(server.count, 2)
  } finally {
    await server.close()
  }
})
