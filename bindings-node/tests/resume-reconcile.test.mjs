// Step 17 item 1: addCustomers(records, { journal, key, reconcile: true })
// settles the records an earlier run left unknown, against the sandbox:
// found ones come out with `found` and no response (none is made up) and
// are not sent; ones nobody received are sent; another customer's phone
// stays unknown.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Sandbox, ConfigError, OutcomeUnknownError } from '../index.mjs'

const record = (key, name, phone) => ({ ref: key, customer_info: { customer_name: name, phone } })

function journalIn(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kapture-reconcile-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'run.journal')
}

test('reconcile finds what landed, sends what did not, and keeps a stranger\'s phone unknown', async (t) => {
  const journal = journalIn(t)
  const sandbox = await Sandbox.start({ merge: false })
  try {
    const client = sandbox.client({ maxRetries: 0, timeoutMs: 1000 })
    await client.addCustomer({ customer_info: { customer_name: 'Old Customer', phone: '9850000000' } })
    const landed = [0, 1, 2].map((i) => record(`L-${i}`, `Landed ${i}`, `983000000${i}`))
    const lost = [record('N-0', 'Lost 0', '9840000000')]
    const stranger = record('S-0', 'New Person', '9850000000')
    // Processed, then the replies lost; then lost before the server read them.
    sandbox.setFaults({ drop_after: 1 })
    const first = await client.addCustomers(landed, { journal, key: 'ref' })
    sandbox.setFaults({ drop_before: 1 })
    first.push(...(await client.addCustomers([...lost, stranger], { journal, key: 'ref' })))
    assert.ok(first.every((r) => r.error instanceof OutcomeUnknownError), JSON.stringify(first))
    sandbox.setFaults({})
    const sent = sandbox.stats().add_update_requests

    const again = await client.addCustomers([...landed, ...lost, stranger], { journal, key: 'ref', reconcile: true })
    const held = sandbox.customers()
    const idOf = Object.fromEntries(held.map((c) => [c.request.customer_info.phone, c.customer_id]))
    landed.forEach((r, i) => {
      assert.deepEqual(again[i], { ok: true, found: 'lookup', customerId: idOf[r.customer_info.phone], fromJournal: true })
    })
    assert.ok(again[3].ok && again[3].response.status === 'success' && again[3].fromJournal === undefined)
    assert.ok(again[4].error instanceof OutcomeUnknownError)
    assert.match(again[4].error.message, /S-0.*not this record's customer/)
    assert.equal(sandbox.stats().add_update_requests - sent, 1, 'only the one nobody received was sent')
    assert.equal(held.length, 1 + 3 + 1)
    assert.ok(held.every((c) => c.writes === 1))

    // A later run without reconcile: the journal says found.
    const later = await client.addCustomers(landed, { journal, key: 'ref' })
    assert.deepEqual(later, again.slice(0, 3))
  } finally {
    await sandbox.stop()
  }
})

test('reconcile needs a journal and a boolean', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const records = [record('X', 'X', '9870000000')]
    assert.throws(() => client.addCustomers(records, { reconcile: true }), (e) => e instanceof ConfigError && /reconcile: true .*give the journal too/.test(e.message))
    assert.throws(() => client.addCustomers(records, { journal: 'j', key: 'ref', reconcile: 'yes' }), (e) => e instanceof ConfigError && /reconcile must be true or false, got a string/.test(e.message))
    assert.equal(sandbox.stats().add_update_requests, 0)
  } finally {
    await sandbox.stop()
  }
})
