// Test helpers: a scripted loopback HTTP server that records every request,
// and the vendor's example request and reply.
import http from 'node:http'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { Client } from '../index.mjs'

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures')
export const VENDOR_REQUEST_TEXT = readFileSync(path.join(fixtures, 'vendor_request.json'), 'utf8')
export const VENDOR_RESPONSE_TEXT = readFileSync(path.join(fixtures, 'vendor_response.json'), 'utf8')
export const vendorRequest = () => JSON.parse(VENDOR_REQUEST_TEXT)
export const TOKEN = 'node-test-token-4b9c'
export const MINIMAL = { customer_info: { customer_name: 'A', email_id: 'a@b.co' } }

for (const name of ['KAPTURE_TOKEN', 'KAPTURE_SUBDOMAIN', 'KAPTURE_BASE_URL']) delete process.env[name]

/** One scripted answer. */
export const step = {
  success: (extra = {}) => ({ status: 200, body: VENDOR_RESPONSE_TEXT, ...extra }),
  json: (status, body, extra = {}) => ({ status, body, ...extra }),
  text: (status, body, contentType = 'text/plain', extra = {}) => ({ status, body, contentType, ...extra }),
  reset: () => ({ reset: true }),
}

/** Steps are used in order; the last one repeats. */
export async function scripted(...steps) {
  const requests = []
  let connections = 0
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      requests.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() })
      const s = steps.length > 1 ? steps.shift() : steps[0]
      if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs))
      if (s.reset) {
        req.socket.resetAndDestroy()
        return
      }
      res.writeHead(s.status, { 'Content-Type': s.contentType ?? 'application/json', ...(s.headers ?? {}) })
      res.end(s.body)
    })
  })
  server.on('connection', () => {
    connections += 1
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  return {
    url,
    requests,
    get count() {
      return requests.length
    },
    get connections() {
      return connections
    },
    client: (options = {}) => new Client({ token: TOKEN, baseUrl: url, maxRetries: 2, ...options }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  }
}
