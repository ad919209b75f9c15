// A caller's value that JSON cannot hold (a BigInt from a database driver, a
// getter that throws, a Proxy, a cyclic row) is never blamed on this SDK: a
// whole-number BigInt is its digits, and every other problem is a
// ValidationError naming the path, outcomeUnknown false, in every entry point.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, ValidationError, fromRow, validate, toWire } from '../index.mjs'

const throwingGetter = () =>
  Object.defineProperty({ name: 'A' }, 'phone', { enumerable: true, get() { throw new Error('no phone for you') } })
const trappingProxy = () =>
  new Proxy({ name: 'A', phone: '9845012345' }, { get(target, key) { if (key === 'phone') throw new Error('trap'); return target[key] } })
const cyclic = () => {
  const row = { name: 'A', phone: '9845012345' }
  row.self = row
  return row
}
const BAD = [['a throwing getter', throwingGetter, 'phone'], ['a Proxy whose trap throws', trappingProxy, 'phone'], ['a cyclic row', cyclic, 'self']]

const isValidationAt = (path) => (e) => {
  assert.ok(e instanceof ValidationError, `${e?.name}: ${e?.message}`)
  assert.equal(e.outcomeUnknown, false)
  assert.equal(e.errors[0].path, path)
  return true
}

test('a whole-number BigInt cell is its digits in fromRow, validate, toWire and every send', async () => {
  assert.equal(fromRow({ name: 'A', phone: 9845012345n }).customer_info.phone, '9845012345')
  validate({ customer_info: { customer_name: 'A', phone: 9845012345n } })
  assert.equal(toWire({ customer_info: { customer_name: 'A', phone: 9845012345n } }).customer_info.phone, '9845012345')
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    await client.addCustomer({ customer_info: { customer_name: 'B', phone: 9845012346n } })
    const [result] = await client.addCustomers([{ name: 'C', phone: 9845012347n }])
    assert.ok(result.ok, result.error?.message)
    assert.deepEqual(sandbox.customers().map((c) => c.request.customer_info.phone), ['9845012346', '9845012347'])
    assert.ok((await client.findCustomer({ phone: 9845012346n })) !== null)
  } finally {
    await sandbox.stop()
  }
})

for (const [what, make, path] of BAD) {
  test(`${what} is a ValidationError naming the path in every entry point`, async () => {
    assert.throws(() => fromRow(make()), isValidationAt(path))
    assert.throws(() => validate({ customer_info: make() }), isValidationAt(`customer_info.${path}`))
    assert.throws(() => toWire({ customer_info: make() }), isValidationAt(`customer_info.${path}`))
    const sandbox = await Sandbox.start()
    try {
      const client = sandbox.client()
      await assert.rejects(client.addCustomer({ customer_info: make() }), isValidationAt(`customer_info.${path}`))
      await assert.rejects(client.updateCustomer(1, { customer_info: make() }), isValidationAt(`customer_info.${path}`))
      const results = await client.addCustomers([{ name: 'Good', phone: '9845012345' }, make()])
      assert.ok(results[0].ok)
      assert.ok(isValidationAt(path)(results[1].error))
      assert.equal(sandbox.stats().add_update_requests, 1)
    } finally {
      await sandbox.stop()
    }
  })
}

// Step 14: a rule's message comes from the core, the same in every front
// end; JavaScript only says what kind of value it was given.
test('rules refused in JavaScript speak the core\'s words', async () => {
  const { fromRow, Sandbox, ValidationError, AbortedError } = await import('../index.mjs')
  assert.throws(() => fromRow(5), (e) => e instanceof ValidationError &&
    e.errors[0].message === 'expected a row: a mapping of column -> value (a dict, a pandas Series, an object), got a number')
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    await assert.rejects(client.updateCustomer(true, { customer_info: { city: 'Pune' } }), (e) => e instanceof ValidationError &&
      e.errors[0].message === "expected Kapture's customer id (an integer or a string of digits), got a boolean")
    await assert.rejects(client.findCustomer({ customerId: 1.5 }), (e) => e instanceof ValidationError &&
      e.errors[0].message === "expected Kapture's customer id (an integer or a string of digits), got the number 1.5")
    const aborted = AbortSignal.abort()
    await assert.rejects(client.addCustomer({ customer_info: { customer_name: 'A', phone: '9845012345' } }, { signal: aborted }),
      (e) => e instanceof AbortedError && e.outcomeUnknown === false && /cancelled before anything was sent/.test(e.message))
    assert.equal(sandbox.stats().add_update_requests, 0)
  } finally {
    await sandbox.stop()
  }
})
