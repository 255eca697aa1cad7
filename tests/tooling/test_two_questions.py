"""The pure parts of the two-questions measurement (the servers are exercised by running it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.two_questions import (
    CASES,
    CaseResult,
    TwoQuestionCase,
    answer_topic,
    classified_second,
    clauses,
    load_two_question_cases,
    second_answer_topic,
)


def test_the_case_file_loads_with_both_kinds_and_languages():
    cases = load_two_question_cases(CASES)
    assert {len(c.topics) for c in cases} == {1, 2}
    assert {c.lang for c in cases} == {"en", "es"}


def test_a_case_must_name_known_different_topics(tmp_path: Path):
    path = tmp_path / "cases.yml"
    path.write_text("- {text: 'bill and bill', topics: [billing, billing]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="different intents"):
        load_two_question_cases(path)
    path.write_text("- {text: 'x', topics: [gas]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="different intents"):
        load_two_question_cases(path)


def test_clauses_split_like_the_cues_and_at_a_bare_and_only_when_asked():
    text = "why did my bill jump and is there an outage plus what is caiso"
    assert clauses(text) == ["why did my bill jump and is there an outage", "what is caiso"]
    assert clauses(text, bare_and=True) == ["why did my bill jump", "is there an outage", "what is caiso"]
    assert clauses("mi recibo vino alto y tambien se va la luz") == ["mi recibo vino alto", "se va la luz"]


def test_the_topic_of_an_answer_is_read_from_its_wording_in_either_language():
    assert answer_topic("For power outages in Irvine, contact Southern California Edison (SCE)") == "outage"
    assert answer_topic("Who handles where your electricity comes from and its generation rates depends") == (
        "generation"
    )
    assert answer_topic("Para su factura, comuníquese con Southern California Edison (SCE)") == "billing"
    # A subtopic's wording counts as its parent topic.
    assert answer_topic("For bill discounts and payment help (CARE, FERA, Medical Baseline), contact") == "billing"
    assert answer_topic("Thanks!") is None


def test_a_second_answer_starts_with_the_catalogue_sentence():
    replies = ["For power outages, contact SCE.", "And about your other question: For your bill, contact SCE."]
    assert second_answer_topic(replies) == "billing"
    assert second_answer_topic(["Y sobre su otra pregunta: Para la red de transmisión, ..."]) == "transmission"
    assert second_answer_topic(replies[:1]) is None


def test_the_second_clause_topic_must_be_confident_and_new():
    assert classified_second([("outage", 0.99), ("billing", 0.95)], "outage") == "billing"
    assert classified_second([("outage", 0.99), ("billing", 0.5)], "outage") is None
    assert classified_second([("outage", 0.99), ("outage", 0.99)], "outage") is None
    assert classified_second([("billing", 0.9), (None, 1.0)], "outage") == "billing"  # the first clause last
    assert classified_second([("billing", 0.9)], "outage") is None  # one clause: one question
    assert classified_second([("outage", 0.99), ("billing", 0.85)], "outage", min_confidence=0.9) is None


def test_both_answered_in_either_order_and_false_seconds_only_on_one_topic():
    two = CaseResult(TwoQuestionCase("x", ("outage", "billing")), "billing", seconds={"m": "outage"})
    assert two.both_answered("m") and not two.false_second("m")
    one = CaseResult(TwoQuestionCase("y", ("billing",)), "billing", seconds={"m": "transmission"})
    assert one.false_second("m") and not one.both_answered("m")
    assert not CaseResult(TwoQuestionCase("z", ("billing",)), "billing", clarified=True).answered_in_turn
