'use strict'
// readRows: the rows of a workbook, CSV or JSON-lines file, read by the same
// code as `kapture import` (the Rust core's reader), in batches.
const native = require('./native.js')
const { translate } = require('./errors.js')
const { rowOptions } = require('./rows.js')

const BATCH = 256
const IO_MARKER = 'KAPTURE_IO:'
// Node's codes for what the core says could not be opened.
const IO_CODES = { NotFound: 'ENOENT', PermissionDenied: 'EACCES', IsADirectory: 'EISDIR' }

/**
 * A cell that holds an error (`#N/A`) or could not be read: a row holding
 * one fails with `message` when it is mapped (`fromRow`, `addCustomers`),
 * alone.
 */
class CellError {
  constructor(value, cell, message) {
    this.value = value
    this.cell = cell
    this.message = message
    Object.freeze(this)
  }

  toString() {
    return this.value
  }

  /** How it travels to the core with its row. */
  toJSON() {
    return { $kaptureCellError: this.message, value: this.value, cell: this.cell }
  }
}

function cellValue(value) {
  if (value !== null && typeof value === 'object' && typeof value.$kaptureCellError === 'string') {
    return new CellError(value.value, value.cell ?? null, value.$kaptureCellError)
  }
  return value
}

function opened(path, options) {
  try {
    return new native.NativeFileRows(String(path), rowOptions(options))
  } catch (error) {
    const text = error && typeof error.message === 'string' ? error.message : ''
    const at = text.indexOf(IO_MARKER)
    if (at >= 0) {
      const { kind, message } = JSON.parse(text.slice(at + IO_MARKER.length))
      throw Object.assign(new Error(message), { code: IO_CODES[kind] ?? 'EIO' })
    }
    throw translate(error)
  }
}

/**
 * The rows of `path`, in order: `for await (const row of readRows(path))`.
 * Each row is a plain object of header -> value; where it came from is on
 * two properties that are not keys (not enumerable, not sent): `$sheet` (a
 * workbook's sheet, or null) and `$row` (its number: a workbook's as the
 * sheet numbers it, a CSV's data rows from 1). The file is opened (and
 * checked) when this is called: a missing file throws `ENOENT` at once.
 */
function readRows(path, options = {}) {
  const { sheet, headerRow } = options ?? {}
  const rows = opened(path, { sheet, headerRow })
  const headers = rows.headers
  const name = rows.sheet ?? null
  const each = (async function* each() {
    for (;;) {
      let batch
      try {
        batch = JSON.parse(rows.nextBatch(BATCH))
      } catch (error) {
        throw translate(error)
      }
      if (batch.length === 0) return
      for (const [number, values] of batch) {
        let row
        if (Array.isArray(values)) {
          row = {}
          for (let i = 0; i < headers.length; i++) row[headers[i]] = cellValue(values[i])
        } else {
          row = values
        }
        Object.defineProperty(row, '$sheet', { value: name, enumerable: false })
        Object.defineProperty(row, '$row', { value: number, enumerable: false })
        yield row
      }
      // Another task's turn between batches.
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  // The header row every row shares: addCustomers checks it once, before
  // anything is sent.
  return Object.assign(each, { headers, sheet: name, headerRow: rows.headerRow ?? null })
}

module.exports = { readRows, CellError }
