/** @type {import('next').NextConfig} */
const nextConfig = {
  // kapture-crm loads a native addon (a .node file): neither Turbopack nor
  // webpack can bundle it, so the server requires it from node_modules at
  // run time. Needed for `next dev`, `next build` and output: 'standalone'.
  serverExternalPackages: ['kapture-crm'],
}

export default nextConfig
