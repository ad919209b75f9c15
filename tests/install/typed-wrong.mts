// A misspelt field: `tsc --strict` over the installed package must refuse it.
import type { AddCustomerRequest } from 'kapture-crm'

export const wrong: AddCustomerRequest = { customer_info: { customer_name: 'A', email: 'a@b.co' } }
