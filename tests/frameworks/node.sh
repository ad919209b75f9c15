#!/usr/bin/env bash
# The Node examples under the frameworks and test runners users run them in,
# with kapture-crm installed from dist/'s tarballs as a user installs it:
#   - examples/nextjs: `next build` with no KAPTURE_* variable, `next start`,
#     one POST against a sandbox (nextjs.mjs);
#   - examples/vitest: the default pool (forks) and --pool threads;
#   - examples/jest: --detectOpenHandles, which must report nothing;
#   - examples/node/express_app.mjs and fastify_app.mjs (pino records).
# The frameworks are installed once into target/frameworks/node (again only
# when package.json here changes); each example is copied next to that
# node_modules and run there. Needs dist/ (bash scripts/package).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/tests/frameworks
fw=$repo/target/frameworks/node
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
export NEXT_TELEMETRY_DISABLED=1 NO_COLOR=1 FORCE_COLOR=0
unset KAPTURE_TOKEN KAPTURE_SUBDOMAIN KAPTURE_BASE_URL KAPTURE_LOG

step() { printf '\n--> %s\n' "$*"; }

mkdir -p "$fw"
if ! cmp -s "$here/package.json" "$fw/.installed-from" || [ ! -d "$fw/node_modules/next" ]; then
  step "install the frameworks into $fw"
  cp "$here/package.json" "$fw/package.json"
  (cd "$fw" && npm install --no-audit --no-fund --loglevel=error)
  cp "$here/package.json" "$fw/.installed-from"
fi
step "kapture-crm from dist/ (the root package and this platform's)"
(cd "$fw" && npm install --no-save --no-audit --no-fund --loglevel=error \
  "$repo/dist/kapture-crm-$version.tgz" "$repo/dist/kapture-crm-linux-x64-gnu-$version.tgz")

copy() { # an example folder, fresh, beside the shared node_modules
  rm -rf "${fw:?}/$2"
  mkdir -p "$fw/$2"
  (cd "$repo/$1" && tar --exclude=node_modules --exclude=.next -cf - .) | (cd "$fw/$2" && tar -xf -)
}

step "Next.js: next build (no KAPTURE_* variable: the client is made on first use), next start, one POST"
copy examples/nextjs nextjs
(cd "$fw/nextjs" && node ../node_modules/next/dist/bin/next build)
cp "$here/nextjs.mjs" "$fw/"
(cd "$fw" && node nextjs.mjs nextjs)

step "Vitest: the default pool (forks), then --pool threads"
copy examples/vitest vitest
for pool in forks threads; do
  out=$(cd "$fw/vitest" && node ../node_modules/vitest/vitest.mjs run --pool "$pool" 2>&1) || { echo "$out"; exit 1; }
  echo "$out" | tail -n 6
  if grep -Eq "close timed out|prevents Vite server from exiting|hanging" <<<"$out"; then
    echo "vitest ($pool) reported something left running"; exit 1
  fi
  grep -Eq "Tests +3 passed" <<<"$out"
done

step "Jest: --detectOpenHandles reports nothing"
copy examples/jest jest
out=$(cd "$fw/jest" && node ../node_modules/jest/bin/jest.js --detectOpenHandles 2>&1) || { echo "$out"; exit 1; }
echo "$out" | tail -n 6
if grep -Eq "open handle|did not exit" <<<"$out"; then
  echo "jest reported an open handle"; exit 1
fi
grep -Eq "Tests: +3 passed" <<<"$out"

step "Express and Fastify (pino) apps"
mkdir -p "$fw/apps"
cp "$repo/examples/node/express_app.mjs" "$repo/examples/node/fastify_app.mjs" "$fw/apps/"
node "$fw/apps/express_app.mjs"
node "$fw/apps/fastify_app.mjs"
