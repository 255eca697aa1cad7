#!/usr/bin/env bash
# Held-out NLU evaluation: split our own data 80/20, train NLU on the 80, test on the 20.
# Writes reports/nlu/ (intent report, confusion matrix, errors); the summary is kept in docs/nlu_report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PATH="$PWD/.venv/bin:$PATH"
work=var/nlu-split
rm -rf "$work" && mkdir -p "$work"
rasa data split nlu --nlu data/nlu --training-fraction 0.8 --random-seed 42 --out "$work" --quiet
rasa train nlu --nlu "$work/training_data.yml" --config config.yml --out "$work/models" --fixed-model-name nlu-split --quiet
rasa test nlu --nlu "$work/test_data.yml" --model "$work/models/nlu-split.tar.gz" --out reports/nlu --quiet
python - <<'PY'
import json
r = json.load(open("reports/nlu/intent_report.json"))
rows = [(k, v) for k, v in r.items() if isinstance(v, dict) and "f1-score" in v]
print(f"{'intent':<16}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}")
for k, v in rows:
    print(f"{k:<16}{v['precision']:>10.3f}{v['recall']:>8.3f}{v['f1-score']:>8.3f}{v['support']:>6}")
print(f"accuracy {r.get('accuracy', 0):.3f}")
PY
