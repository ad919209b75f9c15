// Types of the kapture-crm package. The request and reply interfaces are
// written by hand, field for field as the vendor documents them (wire names);
// ClientOptions builds on the NAPI-RS generated native.d.ts's.

import type { ClientOptions as NativeClientOptions } from './native'

export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug'

/** Any object with some of these methods (`console`, pino, winston...); a missing one is skipped. */
/** A record's fields, as a logger receives them (pino's `(fields, message)`). */
export interface LogFields {
  /** `kapture_crm::http`, `kapture_crm::bulk`, `kapture_crm::lookup`. */
  target: string
  method?: string
  path?: string
  attempt?: number
  status?: number
  latencyMs?: number
  /** An error's `code`. */
  error?: string
  outcomeUnknown?: boolean
  delayMs?: number
  [field: string]: string | number | boolean | undefined
}

/** pino, bunyan and console fit as they are; winston through a one-line adapter (README). */
export interface Logger {
  debug?(fields: LogFields, message: string): void
  info?(fields: LogFields, message: string): void
  warn?(fields: LogFields, message: string): void
  error?(fields: LogFields, message: string): void
}

export interface ClientOptions extends NativeClientOptions {
  /** Default: KAPTURE_LOG, else 'warn'. Attempts are debug, retries info, unknown outcomes warn. */
  logLevel?: LogLevel
  /** Where records go, as `logger[level](fields, message)` (default: a line of text to `console`); phones and emails masked, never the token. */
  logger?: Logger
}

/** upsertCustomer's options: the match key, and a call's overrides. */
export interface UpsertOptions extends RequestOptions {
  /** What the lookup goes by (default 'phone'). */
  match?: 'phone' | 'email'
}

/** What upsertCustomer did, to which customer, and Kapture's reply. */
export interface Upserted {
  action: 'added' | 'updated'
  customerId: number | null
  response: AddCustomerResponse
}

/** Overrides for one call. */
export interface RequestOptions {
  /** Per attempt, in milliseconds. */
  timeoutMs?: number
  maxRetries?: number
  /** Aborting rejects with an AbortedError (`name` 'AbortError'); `outcomeUnknown` once the request may have left. */
  signal?: AbortSignal
}

/** Text fields also take a whole number (a phone or pincode from a spreadsheet). */
export type Text = string | number

/** `customer_info`. Every field optional: left out, it is sent as the vendor's example shows it. */
export interface CustomerInfo {
  customer_name?: Text
  phone?: Text
  email_id?: string
  locality?: string
  city?: string
  state?: string
  country?: string
  address?: string
  type?: string
  classification?: string
  pincode?: Text
  customer_code?: Text
  /** With `update: true`, the customer to update. */
  customer_id?: Text
  customer_assign_emp_name?: string
  customer_assign_emp_code?: Text
  customer_assign_emp_email?: string
  zone?: string
  customer_remarks?: string
  individual?: boolean
  organization?: boolean
  channel_partner?: boolean
  remarks?: string
  primary_source?: string
  secondary_source?: string
  tertiary_source?: string
  additional_fields?: Record<string, unknown>
  associate_fields?: Record<string, unknown>
  update?: boolean
}

/** One entry of `contact_info`. */
export interface ContactInfo {
  contact_id?: Text
  title?: string
  first_name?: string
  last_name?: string
  contact_person_name?: string
  country_code?: Text
  contact_person_phone?: Text
  contact_person_email?: string
  additional_contact_phone?: Text
  /** `YYYY-MM-DD`. */
  dob?: string
  gender?: string
  update?: boolean
  matchEmailPhone?: boolean
}

/** `enquiry_info`. */
export interface EnquiryInfo {
  enquiry_id?: Text
  assign_emp_name?: string
  assign_emp_code?: Text
  assign_emp_email?: string
  round_robin_key?: string
  /** `YYYY-MM-DD` or `YYYY-MM-DD hh:mm:ss`. */
  next_follow_up_date?: string
  action?: string
  subStatus?: string
  additional_fields?: Record<string, unknown>
  associate_fields?: Record<string, unknown>
  update?: boolean
  remarks?: string
}

/** The body of the Add Customer API. Name plus phone, or name plus email, is required. */
export interface AddCustomerRequest {
  customer_info?: CustomerInfo
  contact_info?: ContactInfo[]
  enquiry_info?: EnquiryInfo
}

export interface CustomerResult {
  result?: boolean
  customer_id?: number
  action?: string
  action_event?: string
  contact_id?: number
  [field: string]: unknown
}

/** The reply; every field the server sent is kept. */
export interface AddCustomerResponse {
  status: string
  customer?: CustomerResult
  message?: string
  [field: string]: unknown
}

/** A contact of a looked-up customer (the vendor's camelCase keys). */
export interface CustomerContact {
  id?: number
  leadId?: number
  contactPerson?: string
  phone?: string
  email?: string
  [key: string]: unknown
}

/** A customer as Get Customer returns it (`findCustomer`): the documented keys; every other field the server sent is kept. */
export interface Customer {
  id?: number
  cmId?: number
  name?: string
  isOrganization?: boolean
  address?: string
  city?: string
  state?: string
  country?: string
  pinCode?: string
  customerCode?: string
  remarks?: string
  generationDate?: string
  currentStatus?: string
  contacts?: CustomerContact[]
  [key: string]: unknown
}

export interface CustomerLookupOptions {
  /** Kapture's customer id. */
  customerId?: number | string
  /** As the add takes it: text, or a whole number (a phone read from a spreadsheet). */
  phone?: string | number
  email?: string
}

export interface FieldProblem {
  /** Dotted path: `customer_info.email_id`, `contact_info[0].dob`. */
  path: string
  message: string
}

export type ErrorCode =
  | 'kapture'
  | 'internal'
  | 'validation'
  | 'config'
  | 'api'
  | 'authentication'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'unexpected_response'
  | 'aborted'
  | 'closed'
  | 'outcome_unknown'

/** Base of every error; `cause` holds the underlying detail. */
export class KaptureError extends Error {
  /** Stable name of the kind of error (the same as Python's `code`). */
  readonly code: ErrorCode
  /** True when the customer may exist although the call failed: check before resending. */
  readonly outcomeUnknown: boolean
}
export class ValidationError extends KaptureError {
  readonly errors: FieldProblem[]
}
export class ConfigError extends KaptureError {}
export class ApiError extends KaptureError {
  readonly status: number
  readonly body: string
  /** The ids a "Lead already exists, Customer ID :N, ..." refusal names; null otherwise. */
  readonly existingCustomerId: number | null
  readonly existingContactId: number | null
}
export class AuthenticationError extends ApiError {}
export class RateLimitError extends ApiError {
  /** Seconds the server asked to wait, or null. */
  readonly retryAfter: number | null
}
/** 503: not processed. (500/502/504 are OutcomeUnknownError with code 'server'.) */
export class ServerError extends ApiError {}
/** Connecting timed out: nothing was sent. (No reply in time is OutcomeUnknownError, code 'timeout'.) */
export class TimeoutError extends KaptureError {}
/** Refused, DNS, TLS: nothing was sent. (A connection lost mid-call is OutcomeUnknownError, code 'connection'.) */
export class ConnectionError extends KaptureError {}
/**
 * The request may have reached Kapture although the call failed: the customer may or may
 * not exist. `code` says what failed ('timeout', 'connection', 'server', 'aborted',
 * 'unexpected_response', 'internal'); never an ApiError, TimeoutError or ConnectionError.
 * Look the customer up (`findCustomer`) before sending again.
 */
export class OutcomeUnknownError extends KaptureError {
  readonly outcomeUnknown: true
  /** HTTP status when a reply came, else 0. */
  readonly status: number
  readonly body: string
}
export class UnexpectedResponseError extends KaptureError {
  readonly status: number
  readonly body: string
}
/** The call was stopped before anything was sent (an AbortSignal, or its run stopped); `name` is 'AbortError'. Stopped once a request may have left: OutcomeUnknownError with code 'aborted' (also named 'AbortError'). */
export class AbortedError extends KaptureError {
  readonly name: 'AbortError'
}
/** The client was closed; nothing was sent. */
export class ClosedError extends ConfigError {}
/** A defect of this SDK, caught instead of crashing. (When the request may have left: OutcomeUnknownError, code 'internal'.) */
export class InternalError extends KaptureError {}

export type BulkResult =
  | {
      ok: true
      response: AddCustomerResponse
      /** With `upsert`: what was done, and to which customer. */
      action?: 'added' | 'updated'
      customerId?: number | null
      /** With `journal`: added by an earlier run, not sent again; `response` is the reply recorded then. */
      fromJournal?: true
      found?: undefined
      error?: undefined
      blank?: undefined
    }
  | { ok: false; error: KaptureError; blank?: undefined }
  /** A blank row (every cell empty: a spacer, a cleared row): nothing was sent. */
  | { ok: false; blank: true; error?: undefined }

/**
 * With `reconcile`: a record an earlier run left unknown, whose customer a
 * lookup found (`'lookup'`), or that Kapture refused as a duplicate of it
 * when sent again (`'already exists'`). Added, and not sent again; the reply
 * to that add was lost, so there is no `response`.
 */
export interface FoundResult {
  ok: true
  found: 'lookup' | 'already exists'
  customerId: number | null
  fromJournal?: true
  response?: undefined
  error?: undefined
  blank?: undefined
}

/** A result of a run with `reconcile`. */
export type ReconciledResult = BulkResult | FoundResult

export interface BulkProgress {
  completed: number
  succeeded: number
  failed: number
  /** Blank rows (nothing sent); completed = succeeded + failed + blank. */
  blank: number
}

export interface AddCustomersOptions {
  /** Requests in flight at most (default 8). */
  concurrency?: number
  /** Requests started per second at most; the pace also drops by itself on 429/503. */
  rate?: number
  /** Add or update each record by its phone or email (see upsertCustomer); results then carry `action` and `customerId`. */
  upsert?: 'phone' | 'email'
  /**
   * A journal file that makes the run resumable: each record sent is recorded
   * there (on disk before its request leaves), and a later run with the same
   * journal and keys sends no record twice. A record added before with the
   * same content gives the result recorded then; one whose outcome was unknown
   * gives an OutcomeUnknownError again (look it up: findCustomer, or run with
   * `reconcile`); one changed
   * since is refused (ValidationError on `key`); failed ones are sent. One run
   * at a time per journal, one CRM per journal.
   */
  journal?: string
  /**
   * Each record's key in the journal: a field of the record (it names the
   * record and is not sent) or a function of it, giving text or a whole
   * number. readRows' rows need none (their row number).
   */
  key?: string | ((record: any) => string | number)
  /**
   * `'machine'`: `rate` is shared by every run on this machine sending to the
   * same CRM with this scope (a small state file, no server). Default
   * `'process'`: this run alone. A 429/503 any run sees halves the shared pace.
   */
  rateScope?: 'process' | 'machine'
  /** `'redis://host:6379/0'`: `rate` is shared by every run, on any machine, naming this Redis. */
  rateLimiter?: string
  /**
   * With `journal`: the records an earlier run left unknown are looked up
   * (findCustomer, by phone, else email) one request timeout after the run
   * starts, instead of coming out unknown again. Their customer found: a
   * result with `found` and `customerId`, not sent. Nobody found: sent.
   * Another customer under the phone, or a failed lookup: still unknown.
   */
  reconcile?: boolean
  /** Called after each result. */
  onProgress?: (progress: BulkProgress) => void
  /** Header -> field renames for flat records, e.g. `{ Cell: 'phone' }`; `null` skips a column. */
  columns?: Record<string, string | null>
  /** Layout(s) of date cells in flat records, e.g. `'%d/%m/%Y'` (see RowOptions). */
  dateFormat?: string | string[]
  /** Per attempt of each record, in milliseconds. */
  timeoutMs?: number
  maxRetries?: number
  /** Ends the run: records taken and not answered get an AbortedError result (`outcomeUnknown` if started). */
  signal?: AbortSignal
}

/** A flat record: spreadsheet columns and their cells. */
export type Row = Record<string, string | number | boolean | null | undefined | CellError>

export interface RowOptions {
  /** Header -> field renames, e.g. `{ Cell: 'phone', Born: 'dob' }`; `null` skips a column. */
  columns?: Record<string, string | null>
  /**
   * Layout of the dob and next_follow_up_date cells, e.g. `'%d/%m/%Y'`; a date-time
   * cell may add `HH:MM[:SS]`. Several: each column keeps the first that reads it;
   * `'dob=%d/%m/%Y'` is for one field.
   */
  dateFormat?: string | string[]
}

/**
 * A bulk run: `for await` over it (memory bounded whatever the input's
 * length), or `await` it for the array of results. Usable once.
 */
export class BulkRun<R = BulkResult> implements AsyncIterable<R>, PromiseLike<R[]> {
  [Symbol.asyncIterator](): AsyncIterator<R>
  toArray(): Promise<R[]>
  then<A = R[], B = never>(
    onfulfilled?: ((value: R[]) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B>
}

export class Client {
  /** Missing options come from KAPTURE_TOKEN, KAPTURE_SUBDOMAIN, KAPTURE_BASE_URL. */
  constructor(options?: ClientOptions)
  /** The Add Customer URL this client sends to. */
  readonly endpoint: string
  addCustomer(request: AddCustomerRequest, options?: RequestOptions): Promise<AddCustomerResponse>
  /** Update Customer by Kapture's id: name, phone and email become optional. */
  updateCustomer(
    customerId: number | string,
    request: AddCustomerRequest,
    options?: RequestOptions,
  ): Promise<AddCustomerResponse>
  /**
   * Adds the customer, or updates the one Kapture has under its phone (`match: 'phone'`,
   * the default) or email; an add refused as a duplicate naming the customer becomes an update of it.
   */
  upsertCustomer(request: AddCustomerRequest, options?: UpsertOptions): Promise<Upserted>
  /** Get Customer: the customer, or null when Kapture has none. */
  findCustomer(lookup: CustomerLookupOptions, options?: RequestOptions): Promise<Customer | null>
  /** With `reconcile`, a result may be a FoundResult. */
  addCustomers(
    records: Iterable<AddCustomerRequest | Row> | AsyncIterable<AddCustomerRequest | Row>,
    options: AddCustomersOptions & { reconcile: boolean },
  ): BulkRun<ReconciledResult>
  addCustomers(
    records: Iterable<AddCustomerRequest | Row> | AsyncIterable<AddCustomerRequest | Row>,
    options?: AddCustomersOptions,
  ): BulkRun
}

export interface Faults {
  seed?: number
  latency_ms?: number
  rate_limit?: number
  unavailable?: number
  server_error?: number
  drop_before?: number
  drop_after?: number
  malformed?: number
  html?: number
  /** 400 quoting back the credentials received in every encoding (tests that no secret leaks). */
  echo_secrets?: number
  /** Seconds in Retry-After of 429/503; null sends none. */
  retry_after?: number | null
}

export interface SandboxStartOptions {
  /** false: every add without a customer id makes a new customer (the same-phone-or-email merge is the sandbox's assumption, not the vendor's). */
  merge?: boolean
  /** 'refuse': an add with a known phone or email is refused as a duplicate reply reads in public material ("Lead already exists, Customer ID :N, ..."), storing nothing. */
  duplicates?: 'merge' | 'separate' | 'refuse'
  /** A spec (`"rate_limit=0.1,seed=7"`) or an object. */
  faults?: Faults | string
  token?: string
  port?: number
}

export interface StoredCustomer {
  customer_id: number
  contact_ids: number[]
  /** How many accepted requests wrote it; more than 1 means it was sent again. */
  writes: number
  request: AddCustomerRequest
}

export interface SandboxStats {
  add_update_requests: number
  /** Get Customer requests (findCustomer). */
  lookup_requests: number
  faults_injected: Record<string, number>
  customers: number
}

/**
 * A Kapture-compatible server on 127.0.0.1, in this process. It does not hold
 * the process open: a script that only serves one keeps itself alive with
 * `setInterval(() => {}, 1 << 30)` (or runs `npx -p kapture-crm kapture-sandbox`).
 */
export class Sandbox {
  static start(options?: SandboxStartOptions): Promise<Sandbox>
  readonly url: string
  readonly token: string
  /** `export KAPTURE_BASE_URL=... KAPTURE_TOKEN=...`, as `kapture sandbox` prints it. */
  readonly exportLine: string
  client(options?: Omit<ClientOptions, 'token' | 'baseUrl' | 'subdomain'>): Client
  customers(): StoredCustomer[]
  stats(): SandboxStats
  faults(): Required<Faults>
  setFaults(faults: Faults | string): void
  clear(): void
  stop(): Promise<void>
}

/** The request exactly as it would be sent; throws ValidationError. */
export function toWire(request: AddCustomerRequest): Required<AddCustomerRequest>
/** Checks a request without sending it; throws ValidationError. */
export function validate(request: AddCustomerRequest): void
/** One flat row (spreadsheet columns) into a validated request, as it would be sent; throws ValidationError. */
export function fromRow(row: Row, options?: RowOptions): Required<AddCustomerRequest>
/** The rows of a workbook, CSV or JSON-lines file; see `readRows`. */
export interface ReadRowsOptions {
  /** A workbook's sheet: its name, or its position from 1 (default: the first). */
  sheet?: string | number
  /** A workbook's header row, as the sheet numbers it (default: found). */
  headerRow?: number
}

/** A cell that holds an error (`#N/A`): its row fails alone when mapped. */
export class CellError {
  readonly value: string
  readonly cell: string | null
  readonly message: string
}

/** A row read from a file: header -> value, and where it came from (not keys). */
export type ReadRow = Record<string, string | number | boolean | null | CellError> & {
  readonly $sheet: string | null
  readonly $row: number
}

/**
 * The rows of a file, in order (workbooks, CSV, JSON lines). Dates come as
 * the vendor's text (`1990-02-28`, `2026-12-10 09:30:00`).
 */
export function readRows(path: string, options?: ReadRowsOptions): AsyncIterable<ReadRow> & {
  /** The header row every row shares (addCustomers checks it once). */
  readonly headers: string[]
  /** The workbook's sheet read, or null. */
  readonly sheet: string | null
  /** Where a workbook's header was found (the sheet's row number; rows above were skipped), or null. */
  readonly headerRow: number | null
}
export const version: string
