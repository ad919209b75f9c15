// Property tests: random values thrown at validate, addCustomer and
// addCustomers end in a reply or a ValidationError, never a crash, a hang or
// an unclassified error (issue 9).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Sandbox, ValidationError, toWire, validate } from '../index.mjs'

const SECTIONS = ['customer_info', 'contact_info', 'enquiry_info']
const FIELDS = ['customer_name', 'phone', 'email_id', 'city', 'individual', 'additional_fields', 'dob', 'remarks']

const scalar = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(NaN),
  fc.bigInt(),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 5000, maxLength: 20000 }),
  fc.constantFrom('9380491387', 'a@example.com', '+91 98450 12345', '1990-02-28', '\u0000\u001b[2J'),
  fc.uint8Array({ maxLength: 8 }),
  fc.date(),
)
const key = fc.oneof(fc.constantFrom(...SECTIONS, ...FIELDS), fc.string({ maxLength: 8 }))
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
}))
const request = fc.oneof(
  value,
  fc.record(
    {
      customer_info: fc.oneof(value, fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 })),
      contact_info: fc.oneof(value, fc.array(fc.dictionary(fc.constantFrom(...FIELDS), value), { maxLength: 3 })),
      enquiry_info: value,
    },
    { requiredKeys: [] },
  ),
)

function endsWell(error) {
  assert.ok(error instanceof ValidationError, `${error?.name}: ${error?.message}`)
  assert.ok(error.errors.length > 0)
}

test('validate: any value ends in nothing or a ValidationError', () => {
  fc.assert(
    fc.property(request, (r) => {
      try {
        validate(r)
      } catch (error) {
        endsWell(error)
      }
    }),
    { numRuns: 300 },
  )
})

// validate has its own native entry (no wire text built): it must say
// exactly what toWire says, on every value.
test('validate and toWire agree on every value', () => {
  const outcome = (fn, r) => {
    try {
      fn(r)
      return 'ok'
    } catch (error) {
      endsWell(error)
      return JSON.stringify(error.errors)
    }
  }
  fc.assert(
    fc.property(request, (r) => {
      assert.equal(outcome(validate, r), outcome(toWire, r))
    }),
    { numRuns: 300 },
  )
})

test('addCustomer and addCustomers: a reply or a ValidationError, one outcome per record', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client({ timeoutMs: 10000 })
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        try {
          const reply = await client.addCustomer(r)
          assert.equal(reply.status, 'success')
        } catch (error) {
          endsWell(error)
        }
      }),
      { numRuns: 150 },
    )
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 10 }), async (records) => {
        let results
        try {
          results = await client.addCustomers(records, { concurrency: 4 })
        } catch (error) {
          // Plain records that all share one refused header: one
          // ValidationError for the run, before anything is sent.
          assert.ok(error instanceof ValidationError, String(error))
          const keys = (r) => JSON.stringify(Object.keys(r).sort())
          assert.ok(records.length > 0 && records.every((r) => keys(r) === keys(records[0])), error.message)
          return
        }
        assert.equal(results.length, records.length)
        // A blank record (every value empty) is an outcome of its own.
        for (const r of results) if (!r.ok && !r.blank) endsWell(r.error)
      }),
      { numRuns: 30 },
    )
    // Deep and cyclic values.
    let deep = {}
    for (let i = 0; i < 50000; i++) deep = { k: deep }
    const cycle = {}
    cycle.self = cycle
    for (const extra of [deep, cycle]) {
      const r = { customer_info: { customer_name: 'A', phone: '9380491387', additional_fields: extra } }
      await assert.rejects(client.addCustomer(r), ValidationError)
      const results = await client.addCustomers([r, r])
      assert.equal(results.length, 2)
      assert.ok(results.every((x) => !x.ok && x.error instanceof ValidationError))
    }
  } finally {
    await sandbox.stop()
  }
})
