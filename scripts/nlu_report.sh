#!/usr/bin/env bash
# `make nlu-report`: 5-fold cross-validation of the NLU pipeline on our own training data (Rasa's
# `rasa test nlu --cross-validation`), then mean and spread of intent accuracy/F1 and per-intent
# precision, recall and F1. Full output in reports/nlu-cv/; the summary is kept in docs/nlu_report.md.
# Five trainings: about 15 minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PATH="$PWD/.venv/bin:$PATH"
export PYTHONWARNINGS="ignore::DeprecationWarning,ignore::FutureWarning"
out=reports/nlu-cv
rm -rf "$out" && mkdir -p "$out"
echo "== 5-fold cross-validation (five trainings)..."
# Rasa logs the mean and the spread over the folds ("test F1-score: 0.95 (0.01)"); keep the whole log.
rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 --out "$out" > "$out/cv.log" 2>&1
grep -E "^(train|test) (Accuracy|F1-score|Precision)|Intent evaluation" "$out/cv.log" | tee "$out/summary.txt" || true
python - "$out" <<'PY'
import json, sys
from pathlib import Path
report = json.loads((Path(sys.argv[1]) / "intent_report.json").read_text())
rows = [(k, v) for k, v in sorted(report.items()) if isinstance(v, dict) and "f1-score" in v and k not in ("macro avg", "weighted avg", "micro avg")]
print(f"{'intent':<16}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}")
for k, v in rows:
    print(f"{k:<16}{v['precision']:>10.3f}{v['recall']:>8.3f}{v['f1-score']:>8.3f}{v['support']:>6}")
for k in ("macro avg", "weighted avg"):
    if k in report:
        print(f"{k:<16}{report[k]['precision']:>10.3f}{report[k]['recall']:>8.3f}{report[k]['f1-score']:>8.3f}")
PY
