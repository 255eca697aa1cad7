#!/usr/bin/env bash
# `make run`: the action server, the Rasa server and the demo web page, until Ctrl-C stops all three.
#
# Environment (all optional; docs/channels.md has the details):
#   RASA_PORT (5005)  ACTION_PORT (5055)  WEB_PORT (8080)  BIND_HOST (127.0.0.1: Rasa and the page)
#   WEB_ORIGINS       page origins allowed by CORS and socket.io (default http://localhost:WEB_PORT and
#                     http://127.0.0.1:WEB_PORT)
#   RASA_AUTH_TOKEN   token for Rasa's HTTP API; if neither it nor RASA_JWT_SECRET is set, a random one is
#                     generated once into var/rasa_auth_token (mode 600) and reused
#   RASA_JWT_SECRET   JWT secret for the HTTP API (RASA_JWT_METHOD, default HS256)
#   SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (+ SLACK_CHANNEL, SLACK_API_URL) enable the Slack channel
#   SANIC_REQUEST_MAX_SIZE  largest request body in bytes (default 1000000; larger ones get 413)
#   ACTION_SERVER_HOST  interface of the action server (default 127.0.0.1)
#   ACTION_SERVER_SECRET  shared secret Rasa presents to the action server; if unset, generated once into
#                     var/action_server_secret (mode 600) and reused
#   BOT_SESSION_SECRET  signs the widget's session tokens; if unset, generated once into var/session_secret
#   BOT_RETENTION_DAYS  conversations without activity for this many days are deleted at start (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything this run creates (databases, logs, secrets, rendered files) is readable by its owner only.
umask 077

PY=.venv/bin/python
RASA=.venv/bin/rasa
MODEL=${MODEL:-models/assistant.tar.gz}
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
export RASA_PORT=${RASA_PORT:-5005} ACTION_PORT=${ACTION_PORT:-5055} WEB_PORT=${WEB_PORT:-8080}
BIND_HOST=${BIND_HOST:-127.0.0.1}
export WEB_ORIGINS=${WEB_ORIGINS:-http://localhost:$WEB_PORT,http://127.0.0.1:$WEB_PORT}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
export SANIC_REQUEST_MAX_SIZE=${SANIC_REQUEST_MAX_SIZE:-1000000}
VAR=${BOT_VAR_DIR:-var}
LOGS=$VAR/logs

[ -f "$MODEL" ] || { echo "error: no model at $MODEL; run \`make train\` (make run does it)" >&2; exit 1; }
mkdir -p "$LOGS"
# Files made before (the role table by `make db`, earlier logs and databases) get the same modes.
chmod 700 "$VAR" "$LOGS"
find "$VAR" -maxdepth 2 -type f -perm /077 -exec chmod 600 {} +

# The action server only answers Rasa: both get the same secret (Rasa reads it from its environment).
if [ -z "${ACTION_SERVER_SECRET:-}" ]; then
  [ -s "$VAR/action_server_secret" ] || "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' \
    > "$VAR/action_server_secret"
  ACTION_SERVER_SECRET=$(cat "$VAR/action_server_secret")
fi
export ACTION_SERVER_SECRET

# Effective config files: Rasa's own ${VAR} expansion has no defaults and fails on unset variables.
"$PY" -m bot.deploy.endpoints --out "$VAR/endpoints.yml"
"$PY" -m bot.deploy.credentials --out "$VAR/credentials.yml"
# Retention: conversations without activity for BOT_RETENTION_DAYS (30) days are deleted.
"$PY" -m bot.channels.trackers purge || echo "warning: the retention purge failed; see above" >&2

# The HTTP API only ever runs with authentication.
auth_args=()
if [ -n "${RASA_JWT_SECRET:-}" ]; then
  auth_args+=("--jwt-secret=$RASA_JWT_SECRET" "--jwt-method=${RASA_JWT_METHOD:-HS256}")
fi
token_note="RASA_AUTH_TOKEN"
if [ -z "${RASA_AUTH_TOKEN:-}" ] && [ -z "${RASA_JWT_SECRET:-}" ]; then
  if [ ! -s "$VAR/rasa_auth_token" ]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$VAR/rasa_auth_token")
  fi
  RASA_AUTH_TOKEN=$(cat "$VAR/rasa_auth_token")
  token_note="$VAR/rasa_auth_token"
fi
if [ -n "${RASA_AUTH_TOKEN:-}" ]; then
  auth_args+=("--auth-token=$RASA_AUTH_TOKEN")  # "=": a token may start with "-"
else
  token_note="a JWT signed with RASA_JWT_SECRET"
fi
IFS=, read -r -a origins <<< "$WEB_ORIGINS"

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped"
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

"$PY" -m actions.server --host "${ACTION_SERVER_HOST:-127.0.0.1}" --port "$ACTION_PORT" \
  > "$LOGS/actions.log" 2>&1 &
pids+=($!)
"$RASA" run --model "$MODEL" --interface "$BIND_HOST" --port "$RASA_PORT" \
  --endpoints "$VAR/endpoints.yml" --credentials "$VAR/credentials.yml" \
  --enable-api "${auth_args[@]}" --cors "${origins[@]}" > "$LOGS/rasa.log" 2>&1 &
pids+=($!)
"$PY" -m bot.deploy.webpage --host "$BIND_HOST" --port "$WEB_PORT" --rasa-port "$RASA_PORT" \
  > "$LOGS/webpage.log" 2>&1 &
pids+=($!)

echo "starting: action server :$ACTION_PORT, Rasa :$RASA_PORT, page :$WEB_PORT (logs in $LOGS/)..."
rasa_host=$BIND_HOST
[ "$rasa_host" = "0.0.0.0" ] && rasa_host=127.0.0.1
if ! "$PY" -c 'import sys; from tooling.servers import wait_http; wait_http(sys.argv[1], timeout=600)' \
    "http://$rasa_host:$RASA_PORT/"; then
  echo "error: Rasa did not start; see $LOGS/rasa.log" >&2
  exit 1
fi
slack=$(grep -q 'bot.channels.slack.SlackInput' "$VAR/credentials.yml" && echo "on (/webhooks/slack/webhook)" || echo off)
cat <<MSG

  Demo page:   http://localhost:$WEB_PORT/
  Rasa:        http://localhost:$RASA_PORT/  (REST: /webhooks/rest/webhook, socket.io: /socket.io/)
  HTTP API:    needs the token in $token_note (?token=...)
  Actions:     http://${ACTION_SERVER_HOST:-127.0.0.1}:$ACTION_PORT/ (only Rasa: it presents ACTION_SERVER_SECRET)
  Slack:       $slack

Press Ctrl-C to stop.
MSG
# Stop everything as soon as any of the three exits.
wait -n "${pids[@]}"
echo "error: a server exited; see $LOGS/" >&2
exit 1
