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

const fdsBefore = fds()
const client = new Client({ token, baseUrl: url, maxRetries: 8 })
const kinds = {}
let unknown = 0
let n = 0
let rssEarly = 0
for await (const result of client.addCustomers(records(), { concurrency: 64 })) {
  const kind = result.ok ? 'added' : result.error.code
  if (!result.ok && result.error.outcomeUnknown) unknown += 1
  kinds[kind] = (kinds[kind] ?? 0) + 1
  n += 1
  if (n === Math.floor(total / 10)) rssEarly = process.memoryUsage().rss >> 10
}
globalThis.gc?.()
const stats = await (await fetch(`${url}/sandbox/stats`)).json()
console.log(JSON.stringify({
  language: 'node', records: total, outcomes: n, by_kind: kinds, unknown,
  rss_kib_at_10pct: rssEarly, rss_kib_at_end: process.memoryUsage().rss >> 10,
  fds_before: fdsBefore, fds_after: fds(), sandbox: stats,
}))
