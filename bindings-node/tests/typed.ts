// Typed use of the package: compiled by `tsc --noEmit --strict` in
// types.test.mjs, not run. A declaration that drifts from use breaks it.
import {
  Client,
  Sandbox,
  KaptureError,
  ValidationError,
  RateLimitError,
  ApiError,
  type AddCustomerRequest,
  type AddCustomerResponse,
  type BulkResult,
  type ContactInfo,
  type FieldProblem,
  type Row,
  fromRow,
} from '../index.mjs'

export async function typedRows(client: Client): Promise<string> {
  const row: Row = { 'Customer Name': 'Asha', 'Mobile No': 9845012345, Individual: true, City: null }
  const request: Required<AddCustomerRequest> = fromRow(row, { columns: { Cell: 'phone' }, dateFormat: '%d/%m/%Y' })
  const results: BulkResult[] = await client.addCustomers([row, request], { columns: { Born: 'dob' }, dateFormat: '%d/%m/%Y' })
  void results
  return String(request.customer_info.customer_name ?? '')
}

export async function typedCalls(client: Client): Promise<number | undefined> {
  const contact: ContactInfo = { first_name: 'Asha', matchEmailPhone: true, contact_person_phone: 9380491387 }
  const request: AddCustomerRequest = {
    customer_info: { customer_name: 'Asha', phone: '9380491387', individual: true, type: 'lead' },
    contact_info: [contact],
    enquiry_info: { subStatus: 'Hot', additional_fields: { budget: 5 } },
  }
  const reply: AddCustomerResponse = await client.addCustomer(request)
  const status: string = reply.status
  const results: BulkResult[] = await client.addCustomers([request], { concurrency: 4, onProgress: (p) => p.completed })
  for await (const result of client.addCustomers([request])) {
    if (!result.ok) {
      if (result.blank) continue // a blank row: nothing was sent
      const unknown: boolean = result.error.outcomeUnknown
      void unknown
    } else {
      void result.response.customer?.customer_id
    }
  }
  void status
  void results
  // With reconcile, a result may be found (no response), narrowed by `found`.
  for await (const result of client.addCustomers([{ ...request, ref: 'C-1' }], { journal: 'run.journal', key: 'ref', reconcile: true })) {
    if (result.ok && result.found !== undefined) {
      const id: number | null = result.customerId
      void id
    } else if (result.ok) {
      void result.response.status
    }
  }
  return reply.customer?.customer_id
}

export function typedErrors(error: unknown): string {
  if (error instanceof ValidationError) {
    const problems: FieldProblem[] = error.errors
    return problems[0]?.path ?? ''
  }
  if (error instanceof RateLimitError) return String(error.retryAfter)
  if (error instanceof ApiError) return `${error.status} ${error.body}`
  if (error instanceof KaptureError) return error.code
  return 'other'
}

export async function typedSandbox(): Promise<number> {
  const sandbox = await Sandbox.start({ faults: { rate_limit: 0.1, seed: 1 }, token: 't' })
  const client: Client = sandbox.client({ timeoutMs: 5000 })
  await client.addCustomer({ customer_info: { customer_name: 'A', email_id: 'a@b.co' } })
  const writes = sandbox.customers().map((c) => c.writes)
  await sandbox.stop()
  return writes.length + new Client({ subdomain: 'acme', maxRetries: 3 }).endpoint.length
}

export async function typedLookup(client: Client): Promise<number | undefined> {
  const found = await client.findCustomer({ phone: '9845012345' })
  if (found === null) return undefined
  const contacts: number = found.contacts?.length ?? 0
  return (found.id ?? 0) + contacts
}

export async function typedOptions(): Promise<string> {
  const lines: string[] = []
  const client = new Client({
    token: 't',
    baseUrl: 'http://127.0.0.1:9',
    logLevel: 'debug',
    logger: { warn: (fields, message: string) => lines.push(`${fields.target} ${fields.latencyMs ?? ''} ${message}`) },
  })
  const controller = new AbortController()
  const request: AddCustomerRequest = { customer_info: { customer_name: 'A', phone: '9380491387' } }
  await client.addCustomer(request, { timeoutMs: 5000, maxRetries: 1, signal: controller.signal })
  await client.findCustomer({ phone: '9380491387' }, { timeoutMs: 1000 })
  await client.updateCustomer(7, request, { signal: controller.signal })
  await client.addCustomers([request], { signal: controller.signal, maxRetries: 0, timeoutMs: 100 })
  return lines.join('')
}
