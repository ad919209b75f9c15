// Imports the example workbook (examples/customers.xlsx: a title row, a
// serial-number column, phones stored as numbers, date cells, a spacer row,
// an #N/A) into a sandbox in this process, and says what became of each row,
// by the workbook's own row numbers.
//
//   node examples/node/import_workbook.mjs [WORKBOOK]
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { readRows, Sandbox } from '../../bindings-node/index.mjs'

const workbook = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'customers.xlsx')
const rows = []
for await (const row of readRows(workbook)) rows.push(row)
console.log(`${path.basename(workbook)}: ${rows.length} rows from sheet ${JSON.stringify(rows[0]?.$sheet)}`)

const sandbox = await Sandbox.start()
try {
  const seen = { added: 0, failed: 0, blank: 0 }
  const results = await sandbox.client().addCustomers(rows)
  results.forEach((result, i) => {
    if (result.ok) seen.added += 1
    else if (result.blank) seen.blank += 1
    else {
      seen.failed += 1
      console.log(`  row ${rows[i].$row}: ${result.error.message}`)
    }
  })
  console.log(`added ${seen.added}, failed ${seen.failed}, blank ${seen.blank}`)
  console.log(`the sandbox holds ${sandbox.customers().length} customers`)
  process.exitCode = seen.added > 0 ? 0 : 1
} finally {
  await sandbox.stop()
}
