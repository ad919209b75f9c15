'use strict'
// Flat rows (spreadsheet records as plain objects) for the core's row
// mapper: the options as the native side reads them, and `fromRow`.
const native = require('./native.js')
const { translate, fromPayload } = require('./errors.js')
const { encode } = require('./encode.js')

/** `{ columns, dateFormat }` as JSON text for the native side; null if none. */
function rowOptions({ columns, dateFormat, sheet, headerRow } = {}) {
  if (columns == null && dateFormat == null && sheet == null && headerRow == null) return null
  return JSON.stringify({
    columns: columns ?? null, date_format: dateFormat ?? null, sheet: sheet ?? null, header_row: headerRow ?? null,
  })
}

/**
 * One flat row into a validated request, as it would be sent. Headers match
 * documented fields ignoring case, spaces, underscores and hyphens
 * ("Customer Name" is `customer_name`), a few aliases ("Mobile No" is
 * `phone`) and dotted paths (`contact_info.1.first_name`); `columns` renames
 * headers first; `dateFormat` ("%d/%m/%Y") reads `dob` and
 * `next_follow_up_date`. Values are trimmed; empty ones left out.
 */
function fromRow(row, options = {}) {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw fromPayload(JSON.parse(native.notARowPayload(Array.isArray(row) ? 'an array' : row === null ? 'null' : `a ${typeof row}`)))
  }
  const text = encode(row, 'row')
  try {
    return JSON.parse(native.fromRow(text, rowOptions(options)))
  } catch (error) {
    throw translate(error)
  }
}

module.exports = { fromRow, rowOptions }
