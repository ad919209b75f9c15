// Step 17 item 2: upsertCustomer against the sandbox, duplicates kept
// separate (a wrong add would show as a second customer) and refused (the
// vendor's "Lead already exists, Customer ID :N" reply as public material shows it).
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { ApiError, ConfigError, Sandbox, ValidationError } from '../index.mjs'

const asha = (city, phone = '9380491387') => ({
  customer_info: { customer_name: 'Asha Rao', phone, email_id: 'asha@example.in', city },
  contact_info: [{ first_name: 'Asha', contact_person_phone: '+91 93804 91387' }],
})

test('upsertCustomer adds, then updates the same customer without adding its contact again', async () => {
  const sandbox = await Sandbox.start({ merge: false })
  try {
    const client = sandbox.client()
    const first = await client.upsertCustomer(asha('Pune'))
    const second = await client.upsertCustomer(asha('Goa', 9380491387), { match: 'phone' })
    const third = await client.upsertCustomer(asha('Delhi'), { match: 'email' })
    assert.equal(first.action, 'added')
    assert.equal(first.response.status, 'success')
    assert.deepEqual([second.action, second.customerId], ['updated', first.customerId])
    assert.deepEqual([third.action, third.customerId], ['updated', first.customerId])
    const held = sandbox.customers()
    assert.equal(held.length, 1)
    assert.equal(held[0].writes, 3)
    assert.equal(held[0].contact_ids.length, 1)
    assert.equal(held[0].request.customer_info.city, 'Delhi')
  } finally {
    await sandbox.stop()
  }
})

test('a duplicate refusal becomes an update of the customer it names', async () => {
  const sandbox = await Sandbox.start({ duplicates: 'refuse' })
  try {
    const client = sandbox.client()
    const added = await client.addCustomer(asha('Pune'))
    await assert.rejects(client.addCustomer(asha('Goa')), (e) => e instanceof ApiError && /Lead already exists/.test(e.message))
    const renamed = asha('Goa')
    renamed.customer_info.customer_name = 'Asha R.'
    const done = await client.upsertCustomer(renamed)
    assert.deepEqual([done.action, done.customerId], ['updated', added.customer.customer_id])
    assert.equal(sandbox.customers().length, 1)
  } finally {
    await sandbox.stop()
  }
})

test('a phone and an email finding two customers reject naming both; nothing is sent', async () => {
  const sandbox = await Sandbox.start({ merge: false })
  try {
    const client = sandbox.client()
    const one = await client.addCustomer({ customer_info: { customer_name: 'Asha Rao', phone: '9380491387' } })
    const two = await client.addCustomer({ customer_info: { customer_name: 'Asha Rao', email_id: 'asha@example.in' } })
    const sent = sandbox.stats().add_update_requests
    await assert.rejects(client.upsertCustomer(asha('Pune')), (e) =>
      e instanceof ValidationError &&
      e.message.includes(String(one.customer.customer_id)) &&
      e.message.includes(String(two.customer.customer_id)))
    assert.equal(sandbox.stats().add_update_requests, sent)
    await assert.rejects(client.upsertCustomer(asha('Pune'), { match: 'mobile' }), (e) => e instanceof ConfigError && /match must be phone or email/.test(e.message))
    await assert.rejects(client.upsertCustomer(asha('Pune'), { matchOn: 'phone' }), (e) => e instanceof ConfigError && /match/.test(e.message))
  } finally {
    await sandbox.stop()
  }
  await assert.rejects(Sandbox.start({ duplicates: 'twice' }), (e) => e instanceof ConfigError && /duplicates: expected merge, separate or refuse/.test(e.message))
})

test('addCustomers with upsert adds or updates each record and says which', async () => {
  const sandbox = await Sandbox.start({ merge: false })
  try {
    const client = sandbox.client()
    const records = Array.from({ length: 10 }, (_, i) => ({ customer_info: { customer_name: `Customer ${i}`, phone: `98450${10000 + i}`, city: 'Pune' } }))
    const first = await client.addCustomers(records.slice(0, 6), { upsert: 'phone' })
    assert.deepEqual(first.map((r) => r.action), Array(6).fill('added'))
    for (const r of records) r.customer_info.city = 'Goa'
    const second = await client.addCustomers(records, { upsert: 'phone', concurrency: 4 })
    assert.deepEqual(second.map((r) => r.action), [...Array(6).fill('updated'), ...Array(4).fill('added')])
    assert.deepEqual(second.slice(0, 6).map((r) => r.customerId), first.map((r) => r.customerId))
    const held = sandbox.customers()
    assert.equal(held.length, 10)
    assert.ok(held.every((c) => c.request.customer_info.city === 'Goa'))
    assert.throws(() => client.addCustomers(records, { upsert: 'mobile' }), (e) => e instanceof ConfigError && /upsert must be phone or email/.test(e.message))
  } finally {
    await sandbox.stop()
  }
})
