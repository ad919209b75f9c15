// Typed use of the installed package: `tsc --noEmit --strict` must pass.
import { Client, Sandbox, ValidationError, fromRow, type AddCustomerRequest, type BulkResult } from 'kapture-crm'

export async function use(): Promise<number | undefined> {
  const sandbox: Sandbox = await Sandbox.start()
  const client: Client = sandbox.client()
  const request: AddCustomerRequest = { customer_info: { customer_name: 'Asha', phone: '9845012345' } }
  const results: BulkResult[] = await client.addCustomers([request, fromRow({ Name: 'Ravi', Phone: '9845012346' })])
  try {
    await client.addCustomer({ customer_info: { customer_name: 'Asha' } })
  } catch (error) {
    if (error instanceof ValidationError) return error.errors.length
  }
  await sandbox.stop()
  return results.length
}
