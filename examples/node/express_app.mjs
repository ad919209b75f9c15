// An Express app that adds customers: one client for the process, made on
// first use from KAPTURE_TOKEN + KAPTURE_SUBDOMAIN (or KAPTURE_BASE_URL).
//
//   node examples/node/express_app.mjs
//
// Run as a script, it starts a sandbox, serves the app on a free port,
// POSTs one customer and one bad request, and checks what the sandbox holds.
import express from 'express'
import { Client, KaptureError, Sandbox } from 'kapture-crm'

let client
const kapture = () => (client ??= new Client())

export function makeApp() {
  const app = express()
  app.use(express.json())
  app.post('/customers', async (req, res, next) => {
    try {
      const reply = await kapture().addCustomer(req.body)
      res.status(201).json({ customerId: reply.customer?.customer_id ?? null })
    } catch (error) {
      if (!(error instanceof KaptureError)) return next(error)
      res.status(error.code === 'validation' ? 422 : 502).json({ error: error.message, code: error.code })
    }
  })
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sandbox = await Sandbox.start()
  process.env.KAPTURE_BASE_URL = sandbox.url
  process.env.KAPTURE_TOKEN = sandbox.token
  const server = makeApp().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${server.address().port}/customers`
  const post = (body) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const added = await post({ customer_info: { customer_name: 'Asha Rao', phone: '9380491387' } })
  const refused = await post({ customer_info: { customer_name: 'No Phone' } })
  console.log(`express: POST -> ${added.status} ${await added.text()}; bad POST -> ${refused.status}`)
  server.close()
  const held = sandbox.customers().length
  await sandbox.stop()
  if (added.status !== 201 || refused.status !== 422 || held !== 1) {
    console.error(`express example: expected 201, 422 and one customer; got ${added.status}, ${refused.status}, ${held}`)
    process.exit(1)
  }
}
