// The package without its platform package (npm's --omit=optional, a lock
// file from another platform): requiring it says which package is missing
// and how to install it, not napi's generic "npm has a bug" message.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

test('a missing platform package is named, with the command that installs it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kapture-no-addon-'))
  try {
    const pkg = path.join(dir, 'node_modules', 'kapture-crm')
    for (const entry of ['package.json', 'index.js', 'native.js', 'lib']) {
      cpSync(path.join(root, entry), path.join(pkg, entry), { recursive: true })
    }
    const run = spawnSync(process.execPath, ['-e', "try { require('kapture-crm') } catch (e) { console.log(e.code); console.log(e.message); process.exit(3) }"], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' },
    })
    assert.equal(run.status, 3, run.stderr)
    const [code, message] = run.stdout.split('\n')
    assert.equal(code, 'KAPTURE_ADDON_MISSING')
    assert.match(message, /the native addon for linux-x64 is missing: its package kapture-crm-linux-x64-(gnu|musl) is not installed/)
    assert.match(message, /npm install kapture-crm-linux-x64-(gnu|musl)@\d+\.\d+\.\d+/)
    assert.doesNotMatch(message, /npm has a bug/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
