// The installed npm packages from ESM: the same as smoke.cjs.
import assert from 'node:assert/strict'
import { Sandbox, ValidationError, version } from 'kapture-crm'

assert.equal(version, process.env.KAPTURE_VERSION)
const sandbox = await Sandbox.start()
try {
  const client = sandbox.client()
  const reply = await client.addCustomer({ customer_info: { customer_name: 'Asha', phone: '9845012345' } })
  assert.equal(reply.status, 'success')
  await assert.rejects(client.addCustomer({ customer_info: { customer_name: 'Asha' } }), ValidationError)
} finally {
  await sandbox.stop()
}
console.log('node (ESM): ok', version)
