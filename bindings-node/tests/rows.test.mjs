// Issue 10: flat rows through the core's row mapper, from Node: the shared
// row table (tests/rows/table.json) and addCustomers on flat records.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Sandbox, ValidationError, fromRow, readRows } from '../index.mjs'

const table = JSON.parse(readFileSync(fileURLToPath(new URL('../../tests/rows/table.json', import.meta.url)), 'utf8'))

/** The request without the fields left at the vendor's defaults. */
function sparse(value) {
  if (Array.isArray(value)) return value.length ? value.map((v) => sparse(v) ?? {}) : undefined
  if (value !== null && typeof value === 'object') {
    const kept = Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, sparse(v)]).filter(([, v]) => v !== undefined),
    )
    return Object.keys(kept).length ? kept : undefined
  }
  return value === '' || value === false || value === null ? undefined : value
}

for (const c of table.cases) {
  test(`shared row table: ${c.name}`, () => {
    mapsAsTheCaseSays(c, Object.fromEntries(c.row))
  })
}

/** The case's request (less the vendor's defaults), or each of its errors. */
function mapsAsTheCaseSays(c, row) {
  const options = { columns: c.options?.columns, dateFormat: c.options?.date_format }
  if (c.request) {
    assert.deepEqual(sparse(fromRow(row, options)), c.request)
    return
  }
  assert.throws(
    () => fromRow(row, options),
    (error) => {
      assert.ok(error instanceof ValidationError)
      for (const wanted of c.errors) {
        assert.ok(
          error.errors.some((e) => e.path === wanted.path && e.message.includes(wanted.contains)),
          JSON.stringify(error.errors),
        )
      }
      return true
    },
  )
}

test('addCustomers maps flat records with columns and dateFormat; vendor-shaped ones pass as they are', async () => {
  const sandbox = await Sandbox.start()
  try {
    const client = sandbox.client()
    const records = [
      { Cust: 'Asha', Cell: '\u00a09845012345 ', Born: '28/02/1990' },
      { Cust: 'Ravi', Cell: '9845012346', Born: '31/02/1990' },
      { customer_info: { customer_name: 'Vendor shaped', phone: '9845012347' } },
      { 'Customer Name': 'Meena', 'Mobile No': 9845012348, Individual: 'yes' },
    ]
    const results = await client.addCustomers(records, {
      columns: { Cust: 'customer_name', Cell: 'phone', Born: 'dob' },
      dateFormat: '%d/%m/%Y',
    })
    assert.deepEqual(results.map((r) => r.ok), [true, false, true, false])
    assert.ok(results[1].error instanceof ValidationError)
    assert.match(results[1].error.message, /"31\/02\/1990" in column "Born" is not a date of the format %d\/%m\/%Y/)
    // The renames are for every record: a record without their headers is refused, naming them.
    assert.match(results[3].error.message, /no column has that header/)
    const byName = (name) => sandbox.customers().map((c) => sparse(c.request)).find((r) => r.customer_info.customer_name === name)
    const sent = sandbox.customers()
    assert.deepEqual(byName('Asha'), {
      customer_info: { customer_name: 'Asha', phone: '9845012345' },
      contact_info: [{ dob: '1990-02-28', contact_person_phone: '9845012345' }],
    })
    assert.equal(sent.length, 2)

    const plain = await client.addCustomers([{ 'Customer Name': 'Meena', 'Mobile No': 9845012348, Individual: 'yes' }])
    assert.ok(plain[0].ok, plain[0].error?.message)
    assert.deepEqual(byName('Meena').customer_info, {
      customer_name: 'Meena',
      phone: '9845012348',
      individual: true,
    })
  } finally {
    await sandbox.stop()
  }
})

test('fromRow refuses what is not a row, and bad options', () => {
  assert.throws(() => fromRow(['a']), ValidationError)
  assert.throws(() => fromRow({ Name: 'A' }, { dateFormat: '%d/%q/%Y' }), (e) => e instanceof ValidationError && e.errors[0].path === 'date_format')
  assert.throws(() => fromRow({ Name: 'A' }, { columns: { Name: 5 } }), ValidationError)
})

// The workbook cases: one sheet each of tests/rows/table.xlsx, read by readRows.
const all = async (iterable) => {
  const rows = []
  for await (const row of iterable) rows.push(row)
  return rows
}

for (const c of table.workbook_cases) {
  test(`shared row table, workbook case: ${c.name}`, async () => {
    const [row] = await all(readRows(fileURLToPath(new URL('../../tests/rows/table.xlsx', import.meta.url)), { sheet: c.sheet, headerRow: 1 }))
    assert.equal(row.$row, 2)
    mapsAsTheCaseSays(c, row)
  })
}
