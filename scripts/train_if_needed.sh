#!/usr/bin/env bash
# Train models/assistant.tar.gz unless it was trained from exactly the current inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA=.venv/bin/rasa
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
inputs=$(find config.yml domain.yml data bot/nlu -type f \( -name '*.yml' -o -name '*.py' \) | sort)
fingerprint=$(cat $inputs | sha256sum | cut -d' ' -f1)
if [ -f models/assistant.tar.gz ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  echo "model is up to date (models/assistant.tar.gz)"
  exit 0
fi
echo "training the assistant (inputs changed or no model yet)..."
start=$(date +%s)
"$RASA" train --data data/nlu data/rules.yml --fixed-model-name assistant --out models --force --quiet
echo "$fingerprint" > models/.fingerprint
echo "trained in $(( $(date +%s) - start ))s"
