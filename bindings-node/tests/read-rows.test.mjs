// readRows: a workbook, a CSV and a JSON-lines file read by the core's
// reader; each row a plain object with $sheet and $row (not keys), taken by
// fromRow and addCustomers as any flat row.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { readRows, fromRow, CellError, Sandbox, ValidationError } from '../index.mjs'

const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')
const workbook = path.join(examples, 'customers.xlsx')
const all = async (iterable) => {
  const rows = []
  for await (const row of iterable) rows.push(row)
  return rows
}

test('a workbook\'s rows come with their sheet, row numbers and typed values', async () => {
  const rows = await all(readRows(workbook))
  assert.deepEqual(rows.map((r) => r.$row), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
  assert.ok(rows.every((r) => r.$sheet === 'Customers'))
  const [first] = rows
  assert.equal(first['Mobile Number'], 9822012345)
  assert.equal(first['Date of Birth'], '1990-02-28')
  assert.equal(first['Next Follow Up Date'], '2026-12-10 09:30:00')
  assert.ok(!Object.keys(first).includes('$row'), 'where a row came from is not a key')
  assert.ok(!JSON.stringify(first).includes('$sheet'))
  assert.ok(Object.values(rows[4]).every((v) => v === null), 'the spacer row is a row, every value empty')
  const error = rows.at(-1)['Mobile Number']
  assert.ok(error instanceof CellError)
  assert.deepEqual([error.value, error.cell, String(error)], ['#N/A', 'C13', '#N/A'])
})

test('a read row maps as any flat row, and an error cell fails it alone', async () => {
  const rows = await all(readRows(workbook))
  const request = fromRow(rows[0])
  assert.equal(request.customer_info.phone, '9822012345')
  assert.equal(request.customer_info.pincode, '560001')
  assert.equal(request.contact_info[0].dob, '1990-02-28')
  assert.throws(() => fromRow(rows.at(-1)), (e) => e instanceof ValidationError &&
    e.errors[0].path === 'customer_info.phone' && /cell C13 holds the error #N\/A/.test(e.errors[0].message))
})

test('addCustomers takes readRows as they come, one result per row', async () => {
  const sandbox = await Sandbox.start()
  try {
    let progress
    const results = await sandbox.client().addCustomers(readRows(workbook), { onProgress: (p) => { progress = p } })
    assert.equal(results.length, 10)
    assert.equal(results.filter((r) => r.ok).length, 8)
    // The spacer row: an outcome of its own, in its place, never an error.
    assert.deepEqual(results[4], { ok: false, blank: true })
    assert.deepEqual(progress, { completed: 10, succeeded: 8, failed: 1, blank: 1 })
    assert.equal(sandbox.customers().length, 8)
    assert.match(results.at(-1).error.message, /cell C13/)
  } finally {
    await sandbox.stop()
  }
})

test('a sheet is chosen by number, a wrong one is refused at once, a missing file is ENOENT', async () => {
  assert.throws(() => readRows(workbook, { sheet: 'Leads' }),
    (e) => e instanceof ValidationError && /no sheet "Leads"; the sheets are "Customers", "Notes"/.test(e.message))
  const notes = await all(readRows(workbook, { sheet: 2, headerRow: 1 }))
  assert.equal(notes[0].$sheet, 'Notes')
  assert.equal(notes[0].$row, 2)
  assert.throws(() => readRows(path.join(examples, 'missing.xlsx')), (e) => e.code === 'ENOENT')
})

test('a CSV is read in its dialect; columns: { X: null } skips a column; one header twice is refused', async () => {
  const rows = await all(readRows(path.join(examples, 'excel_export.csv')))
  assert.equal(rows[0]['Customer Name'], 'Asha Rao')
  assert.equal(rows[0].$row, 1)
  assert.equal(rows[0].$sheet, null)
  const dir = mkdtempSync(path.join(tmpdir(), 'kapture-read-'))
  const csv = path.join(dir, 'region.csv')
  writeFileSync(csv, 'S.No,Full Name,Mobile Number,Region\n1,Asha Rao,9822012345,South\n')
  const [row] = await all(readRows(csv))
  assert.throws(() => fromRow(row), ValidationError)
  assert.equal(fromRow(row, { columns: { Region: null } }).customer_info.customer_name, 'Asha Rao')
  const twice = path.join(dir, 'twice.csv')
  writeFileSync(twice, 'Name,Phone,Phone\nAsha,9822012345,9845012346\n')
  assert.throws(() => readRows(twice), (e) => e instanceof ValidationError && /both headed "Phone"/.test(e.message))
})

test('a blank record of any source is { ok: false, blank: true } in its place', async () => {
  const sandbox = await Sandbox.start()
  try {
    const results = await sandbox.client().addCustomers([
      { Name: 'Asha', Phone: '9845012345' }, { Name: null, Phone: '  ' }, { Name: 'Ravi', Phone: '9845012346' },
    ])
    assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.blank ? 'blank' : 'error')), ['ok', 'blank', 'ok'])
    assert.equal(sandbox.customers().length, 2)
    assert.throws(() => fromRow({ Name: null, Phone: '' }), ValidationError)
  } finally {
    await sandbox.stop()
  }
})

test('a header problem of readRows is thrown once by addCustomers, before anything is sent', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kapture-header-'))
  const csv = path.join(dir, 'region.csv')
  writeFileSync(csv, 'Name,Phone,Region\n' + Array.from({ length: 20 }, (_, i) => `C${i},98450123${String(i).padStart(2, '0')},South`).join('\n') + '\n')
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    assert.throws(() => client.addCustomers(readRows(csv)),
      (e) => e instanceof ValidationError && e.errors.length === 1 && e.errors[0].path === 'Region')
    assert.equal(sandbox.stats().add_update_requests, 0)
    const results = await client.addCustomers(readRows(csv), { columns: { Region: null } })
    assert.equal(results.filter((r) => r.ok).length, 20)
  } finally {
    await sandbox.stop()
  }
})

test('an array of records with the same keys has its header problem thrown once; readRows says where its header was', async () => {
  const sandbox = await Sandbox.start()
  try {
    const records = Array.from({ length: 5 }, (_, i) => ({ Name: `C${i}`, Phone: `98450123${String(i).padStart(2, '0')}`, Region: 'South' }))
    assert.throws(() => sandbox.client().addCustomers(records), (e) => e instanceof ValidationError && e.errors[0].path === 'Region')
    assert.equal(sandbox.stats().add_update_requests, 0)
    const mixed = await sandbox.client().addCustomers([records[0], { Name: 'D', Phone: '9845012399' }])
    assert.deepEqual(mixed.map((r) => r.ok), [false, true])
    const rows = readRows(workbook)
    assert.deepEqual([rows.sheet, rows.headerRow, rows.headers[1]], ['Customers', 3, 'Full Name'])
  } finally {
    await sandbox.stop()
  }
})
