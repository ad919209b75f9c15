// Adds one customer: to your Kapture CRM when KAPTURE_TOKEN and
// KAPTURE_SUBDOMAIN (or KAPTURE_BASE_URL) are set, otherwise to a sandbox
// started in this process.
//
//   node examples/node/add_customer.mjs      (after `npm run build` in bindings-node)
import { Client, KaptureError, Sandbox, ValidationError, validate } from '../../bindings-node/index.mjs'

let sandbox = null
let client
if (process.env.KAPTURE_TOKEN) {
  console.log('Sending to the Kapture CRM set in KAPTURE_* variables.')
  client = new Client()
} else {
  sandbox = await Sandbox.start()
  console.log(`No KAPTURE_TOKEN set: sending to a local sandbox at ${sandbox.url}.`)
  client = sandbox.client()
}

try {
  const reply = await client.addCustomer({
    customer_info: {
      customer_name: 'Asha Rao',
      phone: '+91 93804 91387',
      email_id: 'asha.rao@example.in',
      city: 'Bengaluru',
      individual: true,
    },
    contact_info: [{ first_name: 'Asha', last_name: 'Rao', contact_person_phone: '+91 93804 91387' }],
  })
  console.log(`Added: customer_id=${reply.customer?.customer_id} contact_id=${reply.customer?.contact_id}`)

  // Typos are caught before anything is sent, every problem at once.
  try {
    validate({ customer_info: { customer_name: 'ABC', email: 'abc@example.com' } })
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    for (const problem of error.errors) console.log(`Refused before sending: ${problem.path}: ${problem.message}`)
  }
} catch (error) {
  if (error instanceof KaptureError && error.outcomeUnknown) {
    console.error(`Unknown outcome, check the CRM before sending again: ${error.message}`)
  } else {
    console.error(`Failed: ${error.message}`)
  }
  process.exitCode = 1
} finally {
  await sandbox?.stop()
}
