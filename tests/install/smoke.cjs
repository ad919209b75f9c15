// The installed npm packages from CommonJS: Sandbox, a customer added, a
// ValidationError, the version (KAPTURE_VERSION).
const assert = require('node:assert/strict')
const kapture = require('kapture-crm')

assert.equal(kapture.version, process.env.KAPTURE_VERSION)
assert.ok(require.resolve('kapture-crm').includes('node_modules'))
;(async () => {
  const sandbox = await kapture.Sandbox.start()
  try {
    const client = sandbox.client()
    const reply = await client.addCustomer({ customer_info: { customer_name: 'Asha', phone: '9845012345' } })
    assert.equal(reply.status, 'success')
    await assert.rejects(client.addCustomer({ customer_info: { customer_name: 'Asha' } }), kapture.ValidationError)
    assert.equal(sandbox.customers().length, 1)
  } finally {
    await sandbox.stop()
  }
  console.log('node (CommonJS): ok', kapture.version)
})().catch((error) => {
  console.error(error)
  process.exit(1)
})
