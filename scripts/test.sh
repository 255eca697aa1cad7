#!/usr/bin/env bash
# `make test` (after `make lint`): Rasa's data validation and story tests, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
export PATH="$PWD/.venv/bin:$PATH"
echo "== facts freshness (fails when a pending change is more than 90 days overdue)"
python -m bot facts check --limit 5
echo "== rasa data validate"
rasa data validate --quiet
echo "== story tests"
rasa test core --model models/assistant.tar.gz --stories tests/test_stories.yml \
  --fail-on-prediction-errors --out results/stories --quiet
echo "== pytest"
pytest "$@"
