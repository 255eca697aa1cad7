"""domain.yml against the other homes of its facts: slot names, the seed's numbers, both languages."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
import yaml

from bot.config import PROJECT_ROOT, SEED_DIR
from bot.slots import Slot
from bot.topics import TOPIC_NAMES

DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES: Dict[str, List[Dict[str, Any]]] = DOMAIN["responses"]


def _variation(name: str, language: str) -> Dict[str, Any]:
    for variation in RESPONSES[name]:
        conditions = variation.get("condition") or []
        wanted = [{"type": "slot", "name": Slot.LANGUAGE, "value": language}] if language != "en" else []
        if conditions == wanted:
            return variation
    raise AssertionError(f"{name} has no {language} variation")


def _sce() -> Dict[str, Any]:
    seed = yaml.safe_load((SEED_DIR / "role_table.yml").read_text(encoding="utf-8"))
    return next(p for p in seed["parties"] if p["key"] == "sce")


def test_slot_constants_name_the_domain_slots():
    assert set(Slot.all()) <= set(DOMAIN["slots"])


def test_every_topic_is_an_intent():
    assert set(TOPIC_NAMES) <= set(DOMAIN["intents"])


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_has_english_and_spanish(name):
    english, spanish = _variation(name, "en"), _variation(name, "es")
    assert english["text"] and spanish["text"] and english["text"] != spanish["text"]
    assert [b["payload"] for b in english.get("buttons", [])] == [b["payload"] for b in spanish.get("buttons", [])]


@pytest.mark.parametrize("language", ["en", "es"])
def test_service_trouble_reply_quotes_sces_numbers_from_the_seed(language):
    text = _variation("utter_service_trouble", language)["text"]
    sce = _sce()
    assert sce["phone"] in text and sce["outage_phone"] in text and sce["website"] in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_help_sentence_has_one_wording_per_language(language):
    sentence = _variation("utter_help_topics", language)["text"]
    core = sentence.split(" con ", 1)[1] if language == "es" else sentence.split(" with ", 1)[1]
    core = core.rstrip(".")
    quoting = [n for n in RESPONSES if n != "utter_help_topics" and core[:20] in _variation(n, language)["text"]]
    assert len(quoting) >= 4
    for name in quoting:
        assert core in _variation(name, language)["text"], name


@pytest.mark.parametrize("language", ["en", "es"])
def test_safety_answer_says_911_stay_away_and_stay_in_the_car(language):
    text = _variation("utter_safety_hazard", language)["text"]
    assert "911" in text and "100" in text
    if language == "en":
        assert "Stay at least 100 feet away" in text and "don't touch it" in text
        assert "stay inside" in text
    else:
        assert "Aléjese por lo menos 100 pies" in text and "no lo toque" in text
        assert "quédese adentro" in text
    assert "1-800-611-1911" in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_gas_answer_sends_to_911_and_the_gas_company_not_sce(language):
    text = _variation("utter_gas_leak", language)["text"]
    assert "911" in text and "Southern California Gas Company" in text
    assert "1-800-611-1911" not in text and "1-800-655-4555" not in text
