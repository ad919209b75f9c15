// The CommonJS entry: require() gives the same classes as import.
const { test } = require('node:test')
const assert = require('node:assert/strict')

test('require() works and its classes are the ESM ones', async () => {
  const cjs = require('../index.js')
  const esm = await import('../index.mjs')
  assert.equal(cjs.Client, esm.Client)
  assert.equal(cjs.ValidationError, esm.ValidationError)
  assert.throws(() => cjs.validate({ customer_info: { customer_name: 'A', mail: 'a@b.co' } }), (e) => e instanceof esm.ValidationError)
})
