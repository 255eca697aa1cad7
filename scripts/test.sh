#!/usr/bin/env bash
# `make test` (after `make lint`): Rasa's data validation and story tests, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
export PATH="$PWD/.venv/bin:$PATH"
echo "== rasa data validate"
rasa data validate --quiet
echo "== story tests"
rasa test core --model models/assistant.tar.gz --stories tests/test_stories.yml \
  --fail-on-prediction-errors --out results/stories --quiet
echo "== pytest"
pytest "$@"
