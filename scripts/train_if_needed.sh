#!/usr/bin/env bash
# `make train`: plain `rasa train`. Rasa's own fingerprinting decides what to retrain (the role-table
# ruler adds the role table's patterns to its fingerprint) and skips training when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
export PYTHONWARNINGS="ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning"
if .venv/bin/rasa train --dry-run --fixed-model-name assistant --out models >/dev/null 2>&1; then
  echo "== model is up to date (models/assistant.tar.gz)"
  exit 0
fi
echo "== training the assistant (Rasa retrains only what changed; a full training takes a few minutes)..."
start=$(date +%s)
set +e
.venv/bin/rasa train --fixed-model-name assistant --out models --quiet 2>&1 | grep -v -E "Warning|warn\(|^\s*$"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "training failed (exit $status): see the output above" >&2; exit "$status"; }
echo "== trained in $(( $(date +%s) - start ))s"
