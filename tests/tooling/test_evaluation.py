"""Scoring of the routing evaluation (the servers are exercised in tests/e2e)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.evaluation import Case, Outcome, load_cases, score


def outcome(case, topic, party, cca=None):
    return Outcome(case, topic, party, cca, False, [])


def test_scores_topic_party_and_cca_by_any_name(db_url):
    cases = [
        Case("a", "generation", "CCA", "Orange County Power Authority", "Irvine"),
        Case("b", "outage", "SCE"),
        Case("c", "out_of_scope", "none"),
        Case("d", "enrollment", "CCA", "Clean Power Alliance of Southern California"),
    ]
    report = score(
        [
            outcome(cases[0], "generation", "CCA", "OCPA"),  # short name counts
            outcome(cases[1], "generation", "CCA", "Clean Power Alliance of Southern California"),
            outcome(cases[2], "out_of_scope", "none"),
            outcome(cases[3], "enrollment", "CCA", "Desert Community Energy"),
        ]
    )
    assert report["topic_accuracy"] == 0.75
    assert report["party_accuracy"] == 0.75
    assert report["cca_accuracy"] == 0.5
    assert report["confusion"]["outage"] == {"generation": 1}
    assert [m["text"] for m in report["misses"]] == ["b", "d"]


def test_load_cases_rejects_malformed_files(tmp_path: Path):
    bad = tmp_path / "cases.yml"
    bad.write_text("- {text: hi}\n")
    with pytest.raises(ValueError):
        load_cases(bad)
    good = tmp_path / "ok.yml"
    good.write_text("- {text: hi, topic: out_of_scope, party: none}\n")
    assert load_cases(good) == [Case("hi", "out_of_scope", "none")]
