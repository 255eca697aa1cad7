"""Regression gate: routing accuracy on the held-out cases may not drop below the README's figures.

The figures live in README.md (the line starting "Regression gate"), not in code: improving the
assistant means raising them there, and a change that loses accuracy fails here.
"""

from __future__ import annotations

import re

import pytest

from bot.config import EVAL_DIR, PROJECT_ROOT
from tooling.evaluation import load_cases, run_case, score
from tooling.rest_client import RasaClient

pytestmark = pytest.mark.servers

GATE = re.compile(r"Regression gate.*?English\D*(?P<en>\d+(?:\.\d+)?) %.*?Spanish\D*(?P<es>\d+(?:\.\d+)?) %")


def gate() -> dict:
    for line in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        found = GATE.search(line)
        if found:
            return {"en": float(found["en"]) / 100, "es": float(found["es"]) / 100}
    raise AssertionError("README.md has no 'Regression gate' line with the English and Spanish figures")


@pytest.mark.parametrize(("language", "cases"), [("en", "heldout_en.yml"), ("es", "heldout_es.yml")])
def test_held_out_party_accuracy_holds(client: RasaClient, language, cases):
    report = score([run_case(client, case) for case in load_cases(EVAL_DIR / cases)])
    misses = "\n".join(f"{m['text']!r}: expected {m['expected']}, got {m['got']}" for m in report["misses"])
    assert report["party_accuracy"] >= gate()[language], misses
