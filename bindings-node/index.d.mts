// Types of the ESM entry (index.mjs): the same as the CommonJS entry's.
export * from './index.js'
declare const kapture: typeof import('./index.js')
export default kapture
