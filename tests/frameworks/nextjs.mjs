// examples/nextjs, built (`next build`, run by node.sh without any KAPTURE_*
// variable) and started as a user would (`next start`), then one customer
// POSTed to its route against a sandbox, and one bad request.
// Usage (from the folder holding node_modules): node nextjs.mjs <app dir>
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'
import { Sandbox } from 'kapture-crm'

const app = path.resolve(process.argv[2])
const next = path.resolve('node_modules/next/dist/bin/next')

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
    probe.on('error', reject)
  })

const sandbox = await Sandbox.start()
const port = await freePort()
const env = { ...process.env, KAPTURE_BASE_URL: sandbox.url, KAPTURE_TOKEN: sandbox.token, NEXT_TELEMETRY_DISABLED: '1' }
delete env.KAPTURE_SUBDOMAIN
const server = spawn(process.execPath, [next, 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] })
const exited = new Promise((resolve) => server.once('exit', resolve))
let failure = null
try {
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    const up = await fetch(base).then((r) => r.ok, () => false)
    if (up) break
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('next start did not come up within 60 s')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const post = (body) =>
    fetch(`${base}/api/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const added = await post({ customer_info: { customer_name: 'Asha Rao', phone: '9380491387' } })
  const addedBody = await added.text()
  const refused = await post({ customer_info: { customer_name: 'No Phone' } })
  const refusedBody = await refused.text()
  console.log(`next: POST /api/customers -> ${added.status} ${addedBody}`)
  console.log(`next: POST (no phone) -> ${refused.status} ${refusedBody}`)
  const held = sandbox.customers()
  if (added.status !== 201 || held.length !== 1 || held[0].request.customer_info.phone !== '9380491387') {
    failure = `expected 201 and the customer in the sandbox, got ${added.status} and ${held.length} customers`
  } else if (refused.status !== 422 || !refusedBody.includes('validation')) {
    failure = `expected the bad request refused with 422, got ${refused.status}`
  }
} catch (error) {
  failure = error.message
} finally {
  server.kill('SIGTERM')
  await exited
  await sandbox.stop()
}
if (failure) {
  console.error(`Next.js example: ${failure}`)
  process.exit(1)
}
console.log('next: ok')
