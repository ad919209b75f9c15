// Under jest as users run it: `jest --detectOpenHandles` finds nothing of
// ours left open once the calls are done (the hub's threadsafe function is
// released when the program goes idle).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

test('jest --detectOpenHandles reports no open handle after calls, a bulk run and a lookup', () => {
  const jest = spawnSync(
    process.execPath,
    [
      'node_modules/jest/bin/jest.js', '--detectOpenHandles', '--ci', '--config', '{}',
      '--rootDir', 'tests/jest-fixture', '--testRegex', '\\.jest\\.cjs$',
    ],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  )
  const output = `${jest.stdout}\n${jest.stderr}`
  assert.equal(jest.status, 0, output)
  assert.match(output, /1 passed/)
  assert.doesNotMatch(output, /open handle/i, output)
})
