#!/usr/bin/env bash
# `make web`: install the chat widget (web/node_modules) from web/package-lock.json with `npm ci`, then build
# the embed kit web/dist/kit/ (web/build-kit.mjs): the self-contained directory the demo pages use and any
# static host or CDN can serve (docs/embed.md). Each step runs only when needed: stamps hold the hash of
# its inputs, so a second run is a no-op.
set -euo pipefail
cd "$(dirname "$0")/../web"
command -v npm >/dev/null || { echo "error: npm not found; the web widget needs Node.js 18+ and npm" >&2; exit 1; }

stamp=node_modules/.installed-from
want=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/rasa-webchat/lib/index.js ] \
    && [ -f node_modules/axe-core/axe.min.js ]; then
  echo "web widget is up to date (web/node_modules)"
else
  echo "installing the web widget (npm ci in web/)..."
  # --ignore-scripts: the kit only uses rasa-webchat's prebuilt bundle; no dependency needs to build anything.
  # Dev dependencies (axe-core, for the accessibility test) are installed too and never served.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

kit_stamp=dist/kit/.built-from
kit_want=$(cat "$stamp" build-kit.mjs kit/* | sha256sum | cut -c1-16)
if [ -f "$kit_stamp" ] && [ "$(cat "$kit_stamp")" = "$kit_want" ] && [ -f dist/kit/assistant.js ]; then
  echo "embed kit is up to date (web/dist/kit)"
  exit 0
fi
node build-kit.mjs
echo "$kit_want" > "$kit_stamp"
