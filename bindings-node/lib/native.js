'use strict'
// The native addon (napi-rs's generated loader, ../native.js), or an error
// that names the platform package this OS and CPU need and how to install
// it: the loader's own message blames an npm bug and lists every
// candidate, including a WASI build this package does not publish.
const { version } = require('../package.json')

/** This machine's platform package, as package.json's napi targets name them. */
function platformPackage() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
    const glibc = Boolean(report?.header?.glibcVersionRuntime)
    return `kapture-crm-linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `kapture-crm-win32-${arch}-msvc`
  return `kapture-crm-${platform}-${arch}`
}

function load() {
  try {
    return require('../native.js')
  } catch (cause) {
    const name = platformPackage()
    const error = new Error(
      `kapture-crm: the native addon for ${process.platform}-${process.arch} is missing: its package ` +
        `${name} is not installed. npm installs it as an optional dependency of kapture-crm; it is ` +
        'left out by --omit=optional (--no-optional), or by a package-lock.json made on another ' +
        `platform. Install it: npm install ${name}@${version} (or reinstall kapture-crm without ` +
        'omitting optional dependencies). Published for: linux x64/arm64 (glibc, musl), macOS ' +
        'x64/arm64, Windows x64.',
    )
    error.code = 'KAPTURE_ADDON_MISSING'
    error.cause = cause
    throw error
  }
}

module.exports = load()
