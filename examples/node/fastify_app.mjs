// A Fastify app that adds customers, logging through Fastify's own pino
// logger: the client's records arrive as pino records with their fields
// (`{ target, method, path, attempt, status, latencyMs }`).
//
//   node examples/node/fastify_app.mjs
//
// Run as a script, it starts a sandbox, serves the app on a free port,
// POSTs one customer and checks what the sandbox holds and what was logged.
import Fastify from 'fastify'
import { Client, KaptureError, Sandbox } from 'kapture-crm'

export function makeApp(options = {}) {
  const app = Fastify(options)
  let client
  // Made on first use, with the app's logger.
  const kapture = () => (client ??= new Client({ logger: app.log, logLevel: options.kaptureLogLevel }))
  app.post('/customers', async (request, reply) => {
    try {
      const added = await kapture().addCustomer(request.body)
      return reply.code(201).send({ customerId: added.customer?.customer_id ?? null })
    } catch (error) {
      if (!(error instanceof KaptureError)) throw error
      return reply.code(error.code === 'validation' ? 422 : 502).send({ error: error.message, code: error.code })
    }
  })
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sandbox = await Sandbox.start()
  process.env.KAPTURE_BASE_URL = sandbox.url
  process.env.KAPTURE_TOKEN = sandbox.token
  // pino writes JSON lines to this stream: one per record.
  const lines = []
  const stream = { write: (line) => lines.push(JSON.parse(line)) }
  const app = makeApp({ logger: { level: 'debug', stream }, kaptureLogLevel: 'debug' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${app.server.address().port}/customers`
  const added = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer_info: { customer_name: 'Asha Rao', phone: '9380491387' } }),
  })
  console.log(`fastify: POST -> ${added.status} ${await added.text()}`)
  await new Promise((resolve) => setTimeout(resolve, 50)) // records arrive through the event loop
  await app.close()
  const held = sandbox.customers().length
  await sandbox.stop()
  const attempt = lines.find((l) => l.target === 'kapture_crm::http' && /^attempt 1: /.test(l.msg))
  console.log(`fastify: the client's attempt as pino logged it: ${JSON.stringify(attempt)}`)
  const fielded = attempt && attempt.level === 20 && attempt.status === 200 && typeof attempt.latencyMs === 'number'
  if (added.status !== 201 || held !== 1 || !fielded) {
    console.error(`fastify example: expected 201, one customer and a pino debug record with fields; got ${added.status}, ${held}`)
    process.exit(1)
  }
}
