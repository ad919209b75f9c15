#!/usr/bin/env node
'use strict'
// The sandbox in the foreground, for Node-only users (the `kapture` command
// is the Rust CLI's): `npx -p kapture-crm kapture-sandbox [--port N]
// [--token T] [--faults SPEC] [--no-merge]`. Prints the `export` line of
// `kapture sandbox` and runs until Ctrl-C or SIGTERM.
const { parseArgs } = require('node:util')
const { Sandbox } = require('../index.js')

const USAGE = 'usage: kapture-sandbox [--port N] [--token TOKEN] [--faults SPEC] [--no-merge | --duplicates merge|separate|refuse]'

async function main() {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        token: { type: 'string' },
        faults: { type: 'string' },
        'no-merge': { type: 'boolean' },
        duplicates: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }))
  } catch (error) {
    process.stderr.write(`kapture-sandbox: ${error.message}\n${USAGE}\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`kapture-sandbox: --port ${JSON.stringify(values.port)}: expected 0 to 65535\n`)
    return 2
  }
  let sandbox
  try {
    sandbox = await Sandbox.start({ port, token: values.token, faults: values.faults, merge: !values['no-merge'], duplicates: values.duplicates })
  } catch (error) {
    process.stderr.write(`kapture-sandbox: ${error.message}\n`)
    return 2
  }
  process.stdout.write(`${sandbox.exportLine}\n`)
  process.stderr.write('kapture-sandbox: running; Ctrl-C stops it\n')
  // A sandbox does not hold the process open by itself: this does.
  const keepAlive = setInterval(() => {}, 1 << 30)
  await new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, resolve)
  })
  clearInterval(keepAlive)
  await sandbox.stop()
  return 0
}

main().then((code) => {
  process.exitCode = code
})
