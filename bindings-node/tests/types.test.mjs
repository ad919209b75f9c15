// The shipped types: tsc --strict passes on typed use and on the example's
// shape, and fails on a misspelt field.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const tsc = path.join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc')
const options = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'false']

function compile(file) {
  return spawnSync(process.execPath, [tsc, ...options, file], { encoding: 'utf8', cwd: path.join(here, '..') })
}

test('the package ships its declarations, generated and hand-written', () => {
  for (const file of ['index.d.ts', 'native.d.ts']) assert.ok(existsSync(path.join(here, '..', file)), file)
})

test('tsc --noEmit --strict passes on typed use', () => {
  const result = compile(path.join(here, 'typed.ts'))
  assert.equal(result.status, 0, result.stdout + result.stderr)
})

test('tsc catches a misspelt field', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kapture-ts-'))
  const file = path.join(here, `wrong-${path.basename(dir)}.ts`)
  rmSync(dir, { recursive: true })
  writeFileSync(file, "import type { AddCustomerRequest } from '../index.mjs'\nexport const r: AddCustomerRequest = { customer_info: { customer_name: 'A', email: 'a@b.co' } }\n")
  try {
    const result = compile(file)
    assert.notEqual(result.status, 0)
    assert.match(result.stdout, /'email' does not exist/)
  } finally {
    spawnSync('rm', ['-f', file])
  }
})

test('index.d.ts lists exactly the fields of the Rust model, section by section', async () => {
  // index.d.ts is a hand-kept copy of the model: a field added to the Rust
  // model and not here (or left here after removal) fails this test.
  const { readFileSync } = await import('node:fs')
  const { toWire } = await import('../index.mjs')
  const dts = readFileSync(path.join(here, '..', 'index.d.ts'), 'utf8')
  const fields = (name) => {
    const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))
    assert.ok(body, name)
    return [...body[1].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]).sort()
  }
  const wire = toWire({ customer_info: { customer_name: 'A', phone: '9845012345' }, contact_info: [{ contact_person_phone: '9845012345' }] })
  assert.deepEqual(fields('AddCustomerRequest'), Object.keys(wire).sort())
  assert.deepEqual(fields('CustomerInfo'), Object.keys(wire.customer_info).sort())
  assert.deepEqual(fields('ContactInfo'), Object.keys(wire.contact_info[0]).sort())
  assert.deepEqual(fields('EnquiryInfo'), Object.keys(wire.enquiry_info).sort())
})
