// A suite that tests code adding customers against the sandbox: started
// once in beforeAll, stopped in afterAll. Runs in vitest's default pool
// (forks) and in `--pool threads` (worker threads that load the addon and
// end with the run).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { Sandbox, ValidationError } from 'kapture-crm'

let sandbox
let client

beforeAll(async () => {
  sandbox = await Sandbox.start()
  client = sandbox.client({ maxRetries: 0 })
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => sandbox.clear())

describe('adding customers', () => {
  test('a customer is added once, with its phone', async () => {
    const reply = await client.addCustomer({ customer_info: { customer_name: 'Asha Rao', phone: '9380491387' } })
    expect(reply.status).toBe('success')
    const stored = sandbox.customers()
    expect(stored).toHaveLength(1)
    expect(stored[0].request.customer_info.phone).toBe('9380491387')
  })

  test('a bad request is refused before anything is sent', async () => {
    const sent = sandbox.stats().add_update_requests
    await expect(client.addCustomer({ customer_info: { customer_name: 'Asha' } })).rejects.toBeInstanceOf(ValidationError)
    expect(sandbox.stats().add_update_requests).toBe(sent)
  })

  test('many at once: one outcome each', async () => {
    const records = Array.from({ length: 20 }, (_, i) => ({
      customer_info: { customer_name: `Customer ${i}`, phone: `98450${String(10000 + i)}` },
    }))
    const results = await client.addCustomers(records)
    expect(results.filter((r) => r.ok)).toHaveLength(20)
    expect(sandbox.customers()).toHaveLength(20)
  })
})
