// One version number: the Cargo workspace's feeds the crates and the wheel;
// package.json, its platform packages (optionalDependencies) and the addon
// must equal it, and CHANGELOG.md must have its entry.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { version } from '../index.mjs'

const read = (relative) => readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8')
const workspace = read('../../Cargo.toml').match(/^version = "(.+)"$/m)[1]
const pkg = JSON.parse(read('../package.json'))

// napi's platform names (`kapture-crm-<platform>`) for each target triple.
const platformOf = {
  'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
  'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
  'x86_64-unknown-linux-musl': 'linux-x64-musl',
  'aarch64-unknown-linux-musl': 'linux-arm64-musl',
  'x86_64-apple-darwin': 'darwin-x64',
  'aarch64-apple-darwin': 'darwin-arm64',
  'x86_64-pc-windows-msvc': 'win32-x64-msvc',
}

test('package.json, the addon and the workspace share one version', () => {
  assert.equal(pkg.version, workspace)
  assert.equal(version, workspace)
  assert.match(read('../../CHANGELOG.md'), new RegExp(`^## \\[${workspace.replaceAll('.', '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'))
})

test('every napi target has its platform package at the same version, and the release platforms are all there', () => {
  for (const target of Object.keys(platformOf)) assert.ok(pkg.napi.targets.includes(target), target)
  const expected = Object.fromEntries(pkg.napi.targets.map((t) => [`kapture-crm-${platformOf[t]}`, workspace]))
  assert.deepEqual(pkg.optionalDependencies, expected)
  assert.ok(!pkg.files.some((f) => f.endsWith('.node')), 'the root package carries no addon')
  assert.equal(pkg.engines.node, '>=20')
})
