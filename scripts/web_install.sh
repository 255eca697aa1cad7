#!/usr/bin/env bash
# Install the chat widget (web/node_modules) from web/package-lock.json with `npm ci`, only when needed:
# a stamp with the hash of package.json + package-lock.json makes a second run a no-op.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.installed-from
want=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/rasa-webchat/lib/index.js ]; then
  echo "web widget is up to date (web/node_modules)"
  exit 0
fi
command -v npm >/dev/null || { echo "error: npm not found; the web widget needs Node.js 18+ and npm" >&2; exit 1; }
echo "installing the web widget (npm ci in web/)..."
# --ignore-scripts: the page only uses rasa-webchat's prebuilt bundle; no dependency needs to build anything.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
