// The names the READMEs' JavaScript snippets use without defining them, as
// the prose around each snippet describes them. Each snippet imports those
// it does not define itself (tests/readme/snippets.py), and runs against the
// sandbox KAPTURE_BASE_URL points at.
export * from 'kapture-crm'
import { Client } from 'kapture-crm'

export const client = new Client()
export const request = { customer_info: { customer_name: 'Asha Rao', phone: '9380491387' } }
export const records = [0, 1, 2].map((i) => ({ customer_info: { customer_name: `Customer ${i}`, phone: `98450${10000 + i}` } }))
export async function* asyncSource() {
  yield* records
}
export const rowsFromMyCsvParser = [{ 'Customer Name': 'Ravi', Cell: '98450 12399', DOB: '01/02/1990' }]
/** A stand-in with winston's `log(level, message, meta)`. */
export const winstonLogger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (message, meta) => void [level, message, meta]]))
