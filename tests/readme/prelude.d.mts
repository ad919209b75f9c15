// The types of prelude.mjs's names, for `tsc --strict` over the snippets.
export * from 'kapture-crm'
import type { AddCustomerRequest, Client, Row } from 'kapture-crm'

export declare const client: Client
export declare const request: AddCustomerRequest
export declare const records: AddCustomerRequest[]
export declare function asyncSource(): AsyncIterable<AddCustomerRequest>
export declare const rowsFromMyCsvParser: Row[]
export declare const winstonLogger: Record<'debug' | 'info' | 'warn' | 'error', (message: string, meta: object) => void>
