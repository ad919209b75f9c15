// Run by tests/jest.test.mjs under `jest --detectOpenHandles`: the first call
// is made from the test itself, where jest tracks what it opens.
const kapture = require('../../index.js')

let sandbox
beforeAll(async () => {
  sandbox = await kapture.Sandbox.start()
})
afterAll(async () => {
  await sandbox.stop()
})

test('calls, a bulk run and a lookup leave nothing open', async () => {
  const client = sandbox.client()
  const reply = await client.addCustomer({ customer_info: { customer_name: 'J', phone: '9845012345' } })
  expect(reply.status).toBe('success')
  const results = await client.addCustomers([{ name: 'K', phone: '9845012346' }])
  expect(results[0].ok).toBe(true)
  expect(await client.findCustomer({ phone: '9845012345' })).not.toBeNull()
})
