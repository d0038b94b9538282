#!/usr/bin/env bash
# Runs the consumer apps against the package as npm would publish it: packs nestjs-sse, copies each
# app out of the repository (so nothing resolves to the source), installs its own dependencies and
# the tarball, pastes the README's quick start into it, builds it with its own CLI, and runs its own
# unit and e2e tests.
# Usage: test/consumers/run.sh [app...]   (default: every folder here with a package.json)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then
  for dir in "$here"/*/; do [ -f "$dir/package.json" ] && apps+=("$(basename "$dir")"); done
fi

# The apps' e2e tests run again on these Node majors (the package supports ^20.19, ^22.12, >=24),
# with Node from npm's node-<os>-<arch> packages.
extra_nodes=(${CONSUMER_NODE_VERSIONS-22 24})
node_package="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
node_bin() {
  local dir="$work/node-$1"
  if [ ! -x "$dir/node_modules/$node_package/bin/node" ]; then
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$node_package@$1" >/dev/null
  fi
  echo "$dir/node_modules/$node_package/bin"
}

# A CommonJS app's other loaders, each with no configuration for nestjs-sse: ts-node, and the
# webpack and swc builders of the Nest CLI, each build booted until Nest says it started.
check_commonjs_loaders() {
  cp "$here/load-check.ts" load-check.ts
  # Into a variable, not through tee /dev/stderr, which truncates a log file that stderr points to.
  local loaded
  loaded="$(npx ts-node load-check.ts)"
  echo "$loaded"
  grep -q 'from dist/index.cjs' <<<"$loaded"
  npm install --no-save --no-audit --no-fund --loglevel=error @swc/cli @swc/core
  for builder in webpack swc; do
    rm -rf dist
    npx nest build -b "$builder"
    (PORT=0 timeout 20 node dist/main.js || true) | grep -q 'Nest application successfully started' ||
      { echo "consumers: the $builder build of $app did not start" >&2; return 1; }
    echo "consumers: the $builder build of $app started"
  done
}

echo "consumers: packing nestjs-sse"
tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"

for app in "${apps[@]}"; do
  echo "consumers: $app"
  cp -R "$here/$app" "$work/$app"
  (
    cd "$work/$app"
    npm install --no-audit --no-fund --loglevel=error
    npm install --no-audit --no-fund --loglevel=error "$tarball"
    npx tsc --version
    # The README's quick start, pasted into the app, must build with it (nest build type-checks src/).
    fastify=""
    if grep -q '"@nestjs/platform-fastify"' package.json; then fastify="--fastify"; fi
    node "$here/quick-start.mjs" "$root/README.md" src $fastify
    npm run build
    npm test
    npm run test:e2e
    if ! grep -q '"type": "module"' package.json; then check_commonjs_loaders; fi
    for major in "${extra_nodes[@]}"; do
      bin="$(node_bin "$major")"
      echo "consumers: $app e2e on Node $("$bin/node" --version)"
      PATH="$bin:$PATH" npm run test:e2e
    done
  )
  echo "consumers: $app passed"
done
