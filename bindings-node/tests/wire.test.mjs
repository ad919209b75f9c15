import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client, ConfigError, KaptureError, ValidationError, toWire, validate, version } from '../index.mjs'
import { scripted, step, vendorRequest, TOKEN, MINIMAL, VENDOR_RESPONSE_TEXT } from './helpers.mjs'

test('the vendor example goes out exactly and the reply comes back whole', async () => {
  const server = await scripted(step.success())
  try {
    const reply = await server.client().addCustomer(vendorRequest())
    assert.equal(server.count, 1)
    const sent = server.requests[0]
    assert.equal(sent.method, 'POST')
    assert.equal(sent.path, '/ms/customer/customer/api/v1/add-update')
    assert.equal(sent.headers.authorization, `Basic ${TOKEN}`)
    assert.equal(sent.headers['content-type'], 'application/json')
    assert.equal(sent.headers.accept, 'application/json')
    assert.equal(sent.headers['user-agent'], `kapture-crm/${version}`)
    assert.deepEqual(JSON.parse(sent.body), vendorRequest())
    assert.deepEqual(reply, JSON.parse(VENDOR_RESPONSE_TEXT))
    assert.equal(reply.customer.customer_id, 191690263)
  } finally {
    await server.close()
  }
})

test('a minimal request is sent in the documented shape', async () => {
  const server = await scripted(step.success())
  try {
    await server.client().addCustomer({ customer_info: { customer_name: 'Asha', phone: 9380491387 } })
    const body = JSON.parse(server.requests[0].body)
    assert.equal(body.customer_info.phone, '9380491387')
    assert.equal(body.customer_info.email_id, '')
    assert.equal(body.customer_info.individual, false)
    assert.deepEqual(body.customer_info.additional_fields, {})
    assert.equal(body.enquiry_info.subStatus, '')
    assert.deepEqual(body.contact_info, [])
    assert.deepEqual(Object.keys(body.customer_info).sort(), Object.keys(vendorRequest().customer_info).sort())
    assert.deepEqual(toWire({ customer_info: { customer_name: 'Asha', phone: 9380491387 } }), body)
  } finally {
    await server.close()
  }
})

test('extra reply fields are kept', async () => {
  const server = await scripted(step.json(200, '{"status":"success","customer":{"customer_id":5,"x":[1,2.5,null]},"trace":"t-1"}'))
  try {
    const reply = await server.client().addCustomer(MINIMAL)
    assert.deepEqual(reply, { status: 'success', customer: { customer_id: 5, x: [1, 2.5, null] }, trace: 't-1' })
  } finally {
    await server.close()
  }
})

// What a JSON tree in Rust would change on its way: a number's digits,
// key order, repeated keys, escapes, whitespace around the object.
const ODD_SUCCESS = ' \n {"trace":"t-\\u00e9\\ud83d\\ude00 \\"q\\"","status":"Success","n":0.1,"big":123456789012345678901234567890,' +
  '"z":-0.0,"dup":1,"customer":{"customer_id":5},"dup":2,"deep":[[{"a":[null,true,false]}]]}\r\n'

test('a reply reaches JavaScript as JSON.parse reads its text, in every path', async () => {
  // The reply's text goes through as the server sent it (hub.rs, bulk.rs).
  const expected = JSON.parse(ODD_SUCCESS)
  const server = await scripted(step.json(200, ODD_SUCCESS))
  try {
    const client = server.client()
    const reply = await client.addCustomer(MINIMAL)
    assert.deepEqual(reply, expected)
    assert.deepEqual(Object.keys(reply), Object.keys(expected))
    assert.ok(Object.is(reply.z, -0))
    assert.deepEqual(await client.updateCustomer(5, MINIMAL), expected)
    const outcomes = []
    for await (const outcome of client.addCustomers([MINIMAL, MINIMAL, MINIMAL], { concurrency: 2 })) outcomes.push(outcome)
    assert.deepEqual(outcomes.map((o) => o.response), [expected, expected, expected])
  } finally {
    await server.close()
  }
})

test('a Basic prefix is not doubled; userAgent goes first', async () => {
  const server = await scripted(step.success())
  try {
    await new Client({ token: 'Basic abc==', baseUrl: server.url, userAgent: 'shop/1' }).addCustomer(MINIMAL)
    assert.equal(server.requests[0].headers.authorization, 'Basic abc==')
    assert.match(server.requests[0].headers['user-agent'], /^shop\/1 kapture-crm\//)
  } finally {
    await server.close()
  }
})

test('settings come from the environment when not given', async () => {
  const server = await scripted(step.success())
  try {
    process.env.KAPTURE_TOKEN = 'env-token-1'
    process.env.KAPTURE_BASE_URL = server.url
    await new Client().addCustomer(MINIMAL)
    assert.equal(server.requests[0].headers.authorization, 'Basic env-token-1')
    assert.match(new Client({ subdomain: 'acme' }).endpoint, /^https:\/\/acme\.kapturecrm\.com\//)
  } finally {
    delete process.env.KAPTURE_TOKEN
    delete process.env.KAPTURE_BASE_URL
    await server.close()
  }
})

test('validation reports every problem and sends nothing', async () => {
  const server = await scripted(step.success())
  try {
    const request = {
      customer_info: { customer_name: '', email: 'a@b.co', individual: 'yes', phone: 9.38e9 + 0.5 },
      contact_info: [{ contact_person_email: 'nope' }],
    }
    await assert.rejects(server.client().addCustomer(request), (error) => {
      assert.ok(error instanceof ValidationError)
      assert.ok(error instanceof KaptureError)
      assert.equal(error.code, 'validation')
      const byPath = Object.fromEntries(error.errors.map((e) => [e.path, e.message]))
      assert.equal(byPath['customer_info.email'], 'unknown field; did you mean `email_id`?')
      assert.equal(byPath['customer_info.individual'], 'expected true or false, got the string "yes"')
      assert.match(byPath['customer_info.phone'], /^expected text, got the decimal number/)
      assert.equal(byPath['customer_info.customer_name'], 'is required and must not be blank')
      assert.match(byPath['contact_info[0].contact_person_email'], /^expected an email address/)
      return true
    })
    assert.throws(() => validate({ customer_info: { customer_name: 'A', phone: '12' } }), ValidationError)
    assert.throws(() => validate(undefined), ValidationError)
    assert.throws(() => validate({ customer_info: { customer_name: 'A', phone: 10n } }), ValidationError)
    assert.equal(server.count, 0)
  } finally {
    await server.close()
  }
})

test('username and password make the Basic token; a token with ":" is refused (issue 12)', async () => {
  const server = await scripted(step.success())
  try {
    await new Client({ username: 'asha', password: 'p@ss:word', baseUrl: server.url }).addCustomer(MINIMAL)
    assert.equal(server.requests[0].headers.authorization, 'Basic YXNoYTpwQHNzOndvcmQ=')
    assert.throws(() => new Client({ token: 'asha:secret', baseUrl: server.url }), (e) => e instanceof ConfigError && /username/.test(e.message) && !e.message.includes('secret'))
    assert.throws(() => new Client({ token: 't', username: 'a', password: 'b', baseUrl: server.url }), /not both/)
  } finally {
    await server.close()
  }
})

test('defaultHeaders are sent; Authorization is not overridable (issue 12)', async () => {
  const server = await scripted(step.success())
  try {
    await new Client({ token: TOKEN, baseUrl: server.url, defaultHeaders: { 'x-api-key': 'k-123' } }).addCustomer(MINIMAL)
    assert.equal(server.requests[0].headers['x-api-key'], 'k-123')
    assert.throws(() => new Client({ token: TOKEN, baseUrl: server.url, defaultHeaders: { Authorization: 'Basic x' } }), ConfigError)
  } finally {
    await server.close()
  }
})
