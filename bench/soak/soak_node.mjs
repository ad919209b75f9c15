// Soak: N adds through Node addCustomers at concurrency 64 against a sandbox
// in another process, with its faults. Prints one JSON line: outcomes by
// kind, RSS at 10% and at the end, open descriptors before and after.
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Client } = require('../../bindings-node/index.js')
const [url, token, totalText] = process.argv.slice(2)
const total = Number(totalText)
const fds = () => readdirSync('/proc/self/fd').length

async function* records() {
  for (let i = 0; i < total; i++) {
    yield { customer_info: { customer_name: `Node ${i}`, phone: `72${String(i).padStart(8, '0')}` } }
  }
}

// The baseline is taken once the addon's runtime exists: one client, one call.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
await new Client({ token, baseUrl: url, maxRetries: 8 })
  .addCustomer({ customer_info: { customer_name: 'warm', phone: '7000000001' } })
  .catch(() => {})
globalThis.gc?.()
await sleep(1000)
const fdsBefore = fds()
let client = new Client({ token, baseUrl: url, maxRetries: 8 })
const kinds = {}
let unknown = 0
let n = 0
let rssEarly = 0
let heapEarly = 0
for await (const result of client.addCustomers(records(), { concurrency: 64 })) {
  const kind = result.ok ? 'added' : result.error.code
  if (!result.ok && result.error.outcomeUnknown) unknown += 1
  kinds[kind] = (kinds[kind] ?? 0) + 1
  n += 1
  if (n === Math.floor(total / 10)) {
    globalThis.gc?.() // what is live, not what V8 has not collected yet
    rssEarly = process.memoryUsage().rss >> 10
    heapEarly = process.memoryUsage().heapUsed >> 10
  }
}
globalThis.gc?.()
const rssEnd = process.memoryUsage().rss >> 10
const heapEnd = process.memoryUsage().heapUsed >> 10
client = null
globalThis.gc?.()
await sleep(1000) // connections of the dropped client close in the background
const stats = await (await fetch(`${url}/sandbox/stats`)).json()
console.log(JSON.stringify({
  language: 'node', records: total, outcomes: n, by_kind: kinds, unknown,
  rss_kib_at_10pct: rssEarly, rss_kib_at_end: rssEnd, heap_used_kib_at_10pct: heapEarly, heap_used_kib_at_end: heapEnd,
  fds_before: fdsBefore, fds_after: fds(), sandbox: stats,
}))
