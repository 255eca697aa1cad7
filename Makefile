# Two commands for users: `make run` and `make test`. Everything else is a step they call,
# and each is a thin convenience over a plain command (`rasa train`, `rasa shell`, `pytest`, ...).
SHELL := /bin/bash
# Third-party deprecation noise (TensorFlow, spaCy's click, SQLAlchemy 2.0 notices) hides real output.
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed-$(shell cat requirements/lock.txt pyproject.toml | sha256sum | cut -c1-12)

.PHONY: install db train run shell test lint eval nlu-report per-language bench lock browser loadbalancer web clean

install: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml
	@echo "== installing Python packages into $(VENV) (a fresh machine takes about 5 minutes)"
	@PY310=$$(scripts/find_python.sh) && \
	  { [ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' || { rm -rf $(VENV) && $$PY310 -m venv $(VENV); }; }
	$(PY) -m pip install -q --upgrade "pip<24.1"
	$(PY) -m pip install -q --require-hashes -r requirements/lock.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@rm -f $(VENV)/.installed-* && touch $@
	@echo "== Python packages installed"

# Chromium and its driver from Debian, for the browser tests (tools that download a browser fail here).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }

# HAProxy from Debian, for the benchmark's two-replica run (the load balancer in front of Rasa replicas).
loadbalancer:
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || \
	  { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }

db: install
	$(PY) -m bot db seed

train: db
	scripts/train_if_needed.sh

run: train web
	scripts/run.sh

shell: train
	scripts/shell.sh

web: install
	scripts/web_install.sh

test: train browser web lint
	scripts/test.sh

eval: train
	$(PY) -m tooling.evaluation ../shared/eval/dev_cases.yml eval/own_cases.yml eval/heldout_en.yml eval/heldout_es.yml \
	  --out-dir results

nlu-report: install
	scripts/nlu_report.sh

# One NLU model per language vs the bilingual one (three trainings in a temp dir, about 15 minutes).
per-language: install
	$(PY) -m tooling.per_language

bench: train loadbalancer
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check bot actions tests bench tooling
	$(VENV)/bin/ruff format --check bot actions tests bench tooling
	$(VENV)/bin/mypy bot actions tooling bench tests

# Re-pin and re-hash everything from requirements/base.in + dev.in (pip-tools in a throwaway venv).
lock:
	@PY310=$$(scripts/find_python.sh) && rm -rf .venv-lock && $$PY310 -m venv .venv-lock
	.venv-lock/bin/pip install -q "pip<24.1" pip-tools==7.4.1
	.venv-lock/bin/pip-compile -q --generate-hashes --allow-unsafe --no-annotate --strip-extras \
	  --output-file requirements/lock.txt requirements/base.in requirements/dev.in
	rm -rf .venv-lock

clean:
	rm -rf models var results reports .rasa
