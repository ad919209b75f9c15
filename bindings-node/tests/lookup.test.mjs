// Issue 12: findCustomer (Get Customer) against the sandbox.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, ValidationError, AuthenticationError, OutcomeUnknownError, Client } from '../index.mjs'

test('findCustomer by phone, email or id; null for a stranger', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const reply = await client.addCustomer({ customer_info: { customer_name: 'Asha Rao', phone: '9845012345', email_id: 'asha@example.com' } })
    const id = reply.customer.customer_id
    for (const lookup of [{ phone: '9845012345' }, { email: 'ASHA@example.com' }, { customerId: id }, { customerId: String(id) }]) {
      const found = await client.findCustomer(lookup)
      assert.equal(found.id, id)
      assert.equal(found.name, 'Asha Rao')
    }
    assert.equal(await client.findCustomer({ phone: '9000000000' }), null)
    assert.equal(sandbox.stats().lookup_requests, 5)
    assert.equal(sandbox.stats().add_update_requests, 1)
  } finally {
    await sandbox.stop()
  }
})

test('findCustomer validates before sending; a bad key is an AuthenticationError', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    await assert.rejects(client.findCustomer({}), ValidationError)
    await assert.rejects(client.findCustomer({ customerId: '12a', phone: '12' }), (e) => {
      assert.ok(e instanceof ValidationError)
      assert.deepEqual(e.errors.map((p) => p.path), ['customer_id', 'phone'])
      return true
    })
    await assert.rejects(client.findCustomer({ customerId: 1.5 }), ValidationError)
    assert.equal(sandbox.stats().lookup_requests, 0)
    const wrong = new Client({ token: 'wrong', baseUrl: sandbox.url })
    await assert.rejects(wrong.findCustomer({ phone: '9845012345' }), AuthenticationError)
  } finally {
    await sandbox.stop()
  }
})

test('findCustomer settles an unknown outcome (the README recipe)', async () => {
  const sandbox = await Sandbox.start({ faults: { drop_after: 1 } })
  try {
    const client = sandbox.client({ maxRetries: 0 })
    const request = { customer_info: { customer_name: 'Asha', phone: '9845012345' } }
    await assert.rejects(client.addCustomer(request), (e) => e instanceof OutcomeUnknownError && e.code === 'connection')
    sandbox.setFaults({})
    assert.ok(await client.findCustomer({ phone: '9845012345' }), 'processed: do not send it again')
    assert.equal(sandbox.customers()[0].writes, 1)
  } finally {
    await sandbox.stop()
  }
})

test('updateCustomer by id; a sandbox without merge shows a double send', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const reply = await client.addCustomer({ customer_info: { customer_name: 'Asha', phone: '9845012345', city: 'Pune' } })
    const id = reply.customer.customer_id
    const updated = await client.updateCustomer(id, { customer_info: { city: 'Goa' } })
    assert.equal(updated.customer.customer_id, id)
    assert.equal(sandbox.customers()[0].request.customer_info.city, 'Goa')
    await assert.rejects(client.updateCustomer('999999999', { customer_info: { city: 'Goa' } }), /does not exist/)
    await assert.rejects(client.updateCustomer('12ab', { customer_info: { city: 'Goa' } }), ValidationError)
  } finally {
    await sandbox.stop()
  }
  const plain = await Sandbox.start({ merge: false })
  try {
    const client = plain.client()
    const request = { customer_info: { customer_name: 'Asha', phone: '9845012345' } }
    await client.addCustomer(request)
    await client.addCustomer(request)
    assert.equal(plain.customers().length, 2)
  } finally {
    await plain.stop()
  }
})

test('the lookup takes the phone in every form the add takes (a whole number from a spreadsheet)', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    await client.addCustomer({ customer_info: { customer_name: 'Asha', phone: 9380491387 } })
    const found = await client.findCustomer({ phone: 9380491387 })
    assert.ok(found)
    assert.deepEqual(found, await client.findCustomer({ phone: '9380491387' }))
    await assert.rejects(client.findCustomer({ phone: 9380491387.5 }), (e) => e instanceof ValidationError && /decimal number/.test(e.message))
  } finally {
    await sandbox.stop()
  }
})
