// One benchmark row of a Node client, in its own process (for its peak RSS):
// `node clients.mjs ROW URL TOKEN BODY_FILE`. Prints one JSON line. The same
// work per call as clients.py: the body serialised afresh, POST with
// Authorization, the reply parsed, good only if `status` is `success`.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, 'node', 'package.json'))
const PATH = '/ms/customer/customer/api/v1/add-update'
// BENCH_SCALE=0.1 for a quick try of the harness (figures then mean little).
const SCALE = Number(process.env.BENCH_SCALE ?? '1')
const WARMUP = Math.max(1, Math.floor(200 * SCALE))
const SEQ_CALLS = Math.max(10, Math.floor(2000 * SCALE))
const PAR_CALLS = Math.floor(Math.max(64, Math.floor(20000 * SCALE)) / 64) * 64
const IN_FLIGHT = 64
// A slow peer stops early: throughput over the calls made in this long.
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? '10')

const [row, url, token, bodyFile] = process.argv.slice(2)
const request = JSON.parse(readFileSync(bodyFile, 'utf8'))
const endpoint = url + PATH
const headers = { Authorization: `Basic ${token}`, 'Content-Type': 'application/json' }
const ok = (text) => JSON.parse(text).status === 'success'

function stats(kind, latencies, good, calls, seconds) {
  const out = { kind, calls, good, seconds: +seconds.toFixed(4) }
  if (kind === 'seq') out.warmup = WARMUP // bench/peers/instructions.py counts every call made
  if (latencies.length) {
    latencies.sort((a, b) => a - b)
    out.mean_us = +((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 1e6).toFixed(1)
    out.p50_us = +(latencies[latencies.length >> 1] * 1e6).toFixed(1)
    out.p99_us = +(latencies[Math.floor(latencies.length * 0.99)] * 1e6).toFixed(1)
  } else {
    out.calls_per_s = +(calls / seconds).toFixed(1)
  }
  return out
}

const now = () => Number(process.hrtime.bigint()) / 1e9

async function sequential(call) {
  for (let i = 0; i < WARMUP; i++) await call()
  const latencies = []
  let good = 0
  const started = now()
  for (let i = 0; i < SEQ_CALLS; i++) {
    const t = now()
    if (await call()) good++
    latencies.push(now() - t)
  }
  return stats('seq', latencies, good, SEQ_CALLS, now() - started)
}

async function inFlight(call) {
  for (let i = 0; i < WARMUP; i++) await call()
  let remaining = PAR_CALLS
  let good = 0
  const deadline = now() + MAX_SECONDS
  const worker = async () => {
    while (remaining > 0 && now() < deadline) {
      remaining--
      if (await call()) good++
    }
  }
  const started = now()
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  return stats('inflight64', [], good, PAR_CALLS - remaining, now() - started)
}

if (row.startsWith('micro-')) {
  // The binding's per-call work without I/O: the object serialised, parsed
  // into the core's request and validated (validate), or also handed back
  // in its wire form (toWire).
  const kapture = await import(path.join(here, '..', '..', 'bindings-node', 'index.mjs'))
  const fn = row === 'micro-validate' ? kapture.validate : kapture.toWire
  const n = 50000
  for (let i = 0; i < n / 10; i++) fn(request)
  const started = now()
  for (let i = 0; i < n; i++) fn(request)
  const us = ((now() - started) * 1e6) / n
  console.log(JSON.stringify({ row: `node/${row}`, kind: 'micro', us_per_call: +us.toFixed(2) }))
  process.exit(0)
}

if (row === 'ours-growth') {
  // RSS after 20,000 calls and after 200,000 (64 in flight through
  // addCustomers): step 11 wants the second within 10% of the first.
  const { Client } = await import(path.join(here, '..', '..', 'bindings-node', 'index.mjs'))
  const client = new Client({ token, baseUrl: url, maxRetries: 0 })
  const marks = []
  let done = 0
  for (const goal of [Math.floor(20000 * SCALE), Math.floor(200000 * SCALE)]) {
    function* records() {
      for (let i = done; i < goal; i++) yield request
    }
    for await (const r of client.addCustomers(records(), { concurrency: IN_FLIGHT })) {
      if (!r.ok) throw r.error
    }
    done = goal
    globalThis.gc?.()
    marks.push(+(process.memoryUsage().rss / 1048576).toFixed(1))
  }
  console.log(JSON.stringify({ row: 'node/ours-growth', kind: 'growth', rss_20k_mb: marks[0], rss_200k_mb: marks[1], growth: +(marks[1] / marks[0]).toFixed(3) }))
  process.exit(0)
}

let result
const [family, mode] = [row.slice(0, row.lastIndexOf('-')), row.slice(row.lastIndexOf('-') + 1)]
if (family === 'ours' && mode === 'bulk64') {
  const { Client } = await import(path.join(here, '..', '..', 'bindings-node', 'index.mjs'))
  const client = new Client({ token, baseUrl: url, maxRetries: 0 })
  await client.addCustomers(Array.from({ length: WARMUP }, () => request), { concurrency: IN_FLIGHT })
  let good = 0
  const started = now()
  function* records() {
    for (let i = 0; i < PAR_CALLS; i++) yield request
  }
  for await (const r of client.addCustomers(records(), { concurrency: IN_FLIGHT })) {
    if (r.ok && r.response.status === 'success') good++
  }
  result = stats('inflight64', [], good, PAR_CALLS, now() - started)
} else {
  let call
  if (family === 'ours') {
    const { Client } = await import(path.join(here, '..', '..', 'bindings-node', 'index.mjs'))
    const client = new Client({ token, baseUrl: url, maxRetries: 0 })
    call = async () => (await client.addCustomer(request)).status === 'success'
  } else if (family === 'fetch') {
    call = async () => ok(await (await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(request) })).text())
  } else if (family === 'undici') {
    const { Pool } = require('undici')
    const pool = new Pool(url, { connections: IN_FLIGHT })
    call = async () => {
      const { body } = await pool.request({ path: PATH, method: 'POST', headers, body: JSON.stringify(request) })
      return ok(await body.text())
    }
  } else if (family === 'request') {
    // As the vendor's page does it: the `request` package, a call each time.
    const requestLib = require('request')
    call = () =>
      new Promise((resolve, reject) =>
        requestLib({ method: 'POST', url: endpoint, headers, body: JSON.stringify(request) }, (error, _res, body) =>
          error ? reject(error) : resolve(ok(body)),
        ),
      )
  } else {
    throw new Error(`unknown row ${row}`)
  }
  result = mode === 'seq' ? await sequential(call) : await inFlight(call)
}
result.row = `node/${row}`
result.peak_rss_mb = +(process.resourceUsage().maxRSS / 1024).toFixed(1)
console.log(JSON.stringify(result))
process.exit(0)
