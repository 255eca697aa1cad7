#!/usr/bin/env bash
# `make shell`: chat in the terminal. Starts the action server, then `rasa shell` against it.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PATH="$PWD/.venv/bin:$PATH"
ACTION_PORT=${ACTION_PORT:-5055}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
mkdir -p var
rasa run actions --actions actions --port "$ACTION_PORT" > var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$ACTION_PORT/health" >/dev/null && break; sleep 0.5; done
# The effective endpoints (tracker store, lock store) come from the environment, as for `make run`.
python -m bot.deploy.endpoints --out var/endpoints-shell.yml
rasa shell --model models/assistant.tar.gz --endpoints var/endpoints-shell.yml "$@"
