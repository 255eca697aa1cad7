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
    assert report["confusion"]["SCE"] == {"CCA": 1}  # expected party -> routed to
    assert [m["text"] for m in report["misses"]] == ["b", "d"]
    # CCA: 3 routed there, 2 right; SCE: 1 expected, none found.
    assert report["per_party"]["CCA"]["precision"] == pytest.approx(2 / 3)
    assert report["per_party"]["CCA"]["recall"] == 1.0
    assert report["per_party"]["SCE"]["recall"] == 0.0
    assert report["out_of_domain_given_a_party"] == 0.0


def test_a_clarifying_click_counts_separately(db_url):
    case = Case("is this about my bill", "billing", "SCE")
    clicked = Outcome(case, "billing", "SCE", None, False, [], clarified=True, party_before_click="none")
    direct = outcome(Case("power out", "outage", "SCE"), "outage", "SCE")
    report = score([clicked, direct])
    assert report["party_accuracy"] == 1.0
    assert report["party_accuracy_without_click"] == 0.5
    assert report["clarification_rate_in_domain"] == 0.5


def test_confusion_image_is_written(tmp_path: Path, db_url):
    from tooling.evaluation import write_confusion_png

    report = score([outcome(Case("power out", "outage", "SCE"), "outage", "SCE")])
    path = write_confusion_png(report, tmp_path / "c.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_cases_rejects_malformed_files(tmp_path: Path):
    bad = tmp_path / "cases.yml"
    bad.write_text("- {text: hi}\n")
    with pytest.raises(ValueError):
        load_cases(bad)
    good = tmp_path / "ok.yml"
    good.write_text("- {text: hi, topic: out_of_scope, party: none}\n")
    assert load_cases(good) == [Case("hi", "out_of_scope", "none")]


def test_language_accuracy_counts_undecided_as_english():
    from tooling.evaluation import language_accuracy

    cases = [
        Case("se fue la luz en mi casa", "outage", "SCE", lang="es"),
        Case("my power is out again", "outage", "SCE"),
        Case("ok", "out_of_scope", "none", lang="es"),  # too short to count
        Case("Santa Monica please thanks", "inform", "none", lang="es"),  # undecided, so English: wrong
    ]
    assert language_accuracy(cases) == pytest.approx(2 / 3)
