// Step 17 item 1: resumable runs, addCustomers(records, { journal, key }),
// against the sandbox: a second run sends nothing twice, a changed record is
// refused, and a worker killed mid-run (SIGKILL to a child process) leaves a
// journal the next run resumes from, and a run with reconcile settles.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Sandbox, ValidationError, ConfigError, OutcomeUnknownError, readRows } from '../index.mjs'

const record = (i, city = 'Pune') => ({
  customer_ref: `C-${i}`,
  customer_info: { customer_name: `Customer ${i}`, phone: `98${String(i).padStart(8, '0')}`, city },
})

function scratch(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kapture-resume-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('a second run with the same journal sends nothing twice; the key field is not sent', async (t) => {
  const journal = path.join(scratch(t), 'run.journal')
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const records = Array.from({ length: 25 }, (_, i) => record(i))
    const first = await client.addCustomers(records, { journal, key: 'customer_ref' })
    // The same keys from a function (the record is then sent as it is).
    const plain = records.map((r) => ({ customer_info: r.customer_info }))
    const second = await client.addCustomers(plain, { journal, key: (r) => `C-${r.customer_info.customer_name.split(' ')[1]}` })
    assert.ok(first.every((r) => r.ok && r.fromJournal === undefined))
    assert.ok(second.every((r) => r.ok && r.fromJournal === true))
    assert.equal(sandbox.stats().add_update_requests, 25)
    assert.deepEqual(second.map((r) => r.response), first.map((r) => r.response))
    const held = sandbox.customers()
    assert.equal(held.length, 25)
    assert.ok(held.every((c) => c.writes === 1 && !('customer_ref' in c.request)))
  } finally {
    await sandbox.stop()
  }
})

test('a changed record under a known key is refused; a file\'s rows are keyed by their number', async (t) => {
  const dir = scratch(t)
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const journal = path.join(dir, 'run.journal')
    await client.addCustomers([record(0), record(1)], { journal, key: 'customer_ref' })
    const again = await client.addCustomers([record(0), record(1, 'Goa'), record(2)], { journal, key: 'customer_ref' })
    assert.ok(again[1].error instanceof ValidationError)
    assert.equal(again[1].error.errors[0].path, 'key')
    assert.match(again[1].error.message, /C-1.*changed/)
    assert.ok(again[0].ok && again[2].ok)
    assert.equal(sandbox.stats().add_update_requests, 3)

    const csv = path.join(dir, 'customers.csv')
    writeFileSync(csv, 'Customer Name,Phone\n' + [0, 1, 2].map((i) => `Row ${i},97${String(i).padStart(8, '0')}\n`).join(''))
    const rowsJournal = path.join(dir, 'customers.journal')
    await client.addCustomers(readRows(csv), { journal: rowsJournal })
    const rerun = await client.addCustomers(readRows(csv), { journal: rowsJournal })
    assert.ok(rerun.every((r) => r.ok))
    assert.equal(sandbox.stats().add_update_requests, 6)
    const keys = readFileSync(rowsJournal, 'utf8').split('\n').filter((l) => l.includes('"state":"added"')).map((l) => JSON.parse(l).key).sort()
    assert.deepEqual(keys, ['1', '2', '3'])
  } finally {
    await sandbox.stop()
  }
})

test('a journal without a key for plain records, or held by another run, is refused before anything is sent', async (t) => {
  const journal = path.join(scratch(t), 'run.journal')
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    assert.throws(() => client.addCustomers([record(0)], { journal }), (e) => e instanceof ConfigError && /needs the key option/.test(e.message))
    const held = client.addCustomers((async function* () { yield record(0); await new Promise((r) => setTimeout(r, 300)) })(), { journal, key: 'customer_ref' })
    const pending = held.then((r) => r)
    await new Promise((r) => setTimeout(r, 50))
    assert.throws(() => client.addCustomers([record(1)], { journal, key: 'customer_ref' }), (e) => e instanceof ConfigError && /another run/.test(e.message))
    assert.ok((await pending)[0].ok)
    assert.equal(sandbox.stats().add_update_requests, 1)
  } finally {
    await sandbox.stop()
  }
})

const CHILD = `
const { Client } = require(process.argv[2])
const client = new Client({ token: process.env.SANDBOX_TOKEN, baseUrl: process.env.SANDBOX_URL })
async function main() {
  const records = Array.from({ length: 200 }, (_, i) => ({ customer_ref: 'C-' + i,
    customer_info: { customer_name: 'Customer ' + i, phone: '98' + String(i).padStart(8, '0'), city: 'Pune' } }))
  for await (const _ of client.addCustomers(records, { journal: process.argv[1], key: 'customer_ref', concurrency: 4 })) {
    console.log('done')
  }
}
main()
`

test('a worker killed mid-run is resumed without sending a record twice', async (t) => {
  const journal = path.join(scratch(t), 'run.journal')
  const sandbox = await Sandbox.start({ faults: { latency_ms: 20 } })
  try {
    const pkg = fileURLToPath(new URL('..', import.meta.url))
    const child = spawn(process.execPath, ['-e', CHILD, journal, pkg], {
      env: { ...process.env, SANDBOX_TOKEN: sandbox.token, SANDBOX_URL: sandbox.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let done = 0
    await new Promise((resolve) => {
      createInterface({ input: child.stdout }).on('line', () => {
        done += 1
        if (done === 40) {
          child.kill('SIGKILL')
          resolve()
        }
      })
    })
    await new Promise((resolve) => child.once('exit', resolve))
    const killedAt = sandbox.stats().add_update_requests
    assert.ok(killedAt >= 40 && killedAt < 200, String(killedAt))
    await new Promise((r) => setTimeout(r, 200))

    sandbox.setFaults({})
    const records = Array.from({ length: 200 }, (_, i) => record(i))
    const results = await sandbox.client().addCustomers(records, { journal, key: 'customer_ref', concurrency: 8 })
    const unknown = results.filter((r) => !r.ok && r.error instanceof OutcomeUnknownError)
    assert.ok(results.every((r) => r.ok || unknown.includes(r)))
    assert.ok(unknown.length <= 4, String(unknown.length))
    const held = sandbox.customers()
    assert.ok(held.every((c) => c.writes === 1), 'a customer was written twice')
    assert.equal(new Set(held.map((c) => c.request.customer_info.customer_name)).size, held.length)
    assert.ok(held.length >= 200 - unknown.length)

    // Then the unknown ones are settled by looking them up (one request
    // timeout after the run starts: 1 s here): found, or sent now.
    const settled = await sandbox
      .client({ timeoutMs: 1000 })
      .addCustomers(records, { journal, key: 'customer_ref', concurrency: 8, reconcile: true })
    results.forEach((r, i) => {
      if (!r.ok) assert.ok(settled[i].ok && (settled[i].found === 'lookup' || settled[i].response.status === 'success'), JSON.stringify(settled[i]))
    })
    assert.ok(settled.every((r) => r.ok))
    const after = sandbox.customers()
    assert.equal(after.length, 200)
    assert.ok(after.every((c) => c.writes === 1), 'a customer was written twice')
  } finally {
    await sandbox.stop()
  }
})
