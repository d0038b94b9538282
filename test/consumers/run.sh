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
  )
  echo "consumers: $app passed"
done
