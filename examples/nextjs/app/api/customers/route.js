import { Client, KaptureError } from 'kapture-crm'

// Made on the first request, not when the module loads: `next build`
// imports every route without the runtime's secrets (KAPTURE_TOKEN), and a
// client made at module level would fail the build with a ConfigError.
let client
function kapture() {
  client ??= new Client() // KAPTURE_TOKEN + KAPTURE_SUBDOMAIN (or KAPTURE_BASE_URL)
  return client
}

export async function POST(request) {
  const customer = await request.json()
  try {
    const reply = await kapture().addCustomer(customer)
    return Response.json({ customerId: reply.customer?.customer_id ?? null }, { status: 201 })
  } catch (error) {
    if (!(error instanceof KaptureError)) throw error
    const status = error.code === 'validation' ? 422 : 502
    return Response.json({ error: error.message, code: error.code, outcomeUnknown: error.outcomeUnknown }, { status })
  }
}
