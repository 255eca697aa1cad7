"""Spanish answers: every frame, topic phrase and seeded reason has its Spanish text."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.i18n import catalogue, translate
from bot.language import Language
from bot.replies import render
from bot.routing import route
from bot.topics import Subtopic, Topic


@pytest.mark.parametrize("name", [t.value for t in Topic] + [s.value for s in Subtopic])
def test_every_topic_and_subtopic_has_a_phrase_in_both_languages(name):
    assert catalogue(Language.EN)[f"about.{name}"] != catalogue(Language.ES)[f"about.{name}"]


def test_every_seeded_reason_has_a_spanish_translation(shared_table):
    reasons = {r.reason for rows in shared_table.rules.values() for r in rows}
    reasons |= {r.reason for rows in shared_table.subtopic_rules.values() for r in rows}
    missing = sorted(r for r in reasons if translate(r.format(utility="SCE"), Language.ES) == r.format(utility="SCE"))
    assert missing == []


def test_every_seeded_note_has_a_spanish_translation(shared_table):
    """Contact notes (other utilities, CCAs without a phone), delivery notes and pending changes."""
    texts = {party.contact_note for party in shared_table.parties.values() if party.contact_note}
    for place in shared_table.places.values():
        for topic in (Topic.OUTAGE, Topic.GENERATION):
            routing = route(topic.value, place=place.name, table=shared_table)
            texts |= set(routing.notes) | ({routing.delivery_note} if routing.delivery_note else set())
    assert len(texts) > 20
    assert sorted(text for text in texts if translate(text, Language.ES) == text) == []
    # The date inside a pending change is translated too (asked on a day before that change is due).
    before = dt.date(2026, 11, 30)
    routing = route("generation", place="Fountain Valley", table=shared_table, on=before)
    assert "finales de 2026" in render(routing, spanish=True)


@pytest.mark.parametrize(
    ("topic", "place", "expected"),
    [
        ("outage", "Irvine", "comuníquese con Southern California Edison"),
        ("generation", "Santa Monica", "Su CCA compra la electricidad"),
        ("enrollment", "Pomona", "Solo su CCA puede inscribirle"),
        ("outage", "Orcutt", "PG&E, no SCE, da servicio a Orcutt"),
        ("generation", None, "depende de si su dirección está en un CCA"),
    ],
)
def test_spanish_answers_are_in_spanish_with_the_spanish_line(shared_table, topic, place, expected):
    text = render(route(topic, place=place, table=shared_table), spanish=True)
    assert expected in text
    assert "contact " not in text and "For " not in text
    if "Southern California Edison" in text:
        assert "en español 1-800-441-2233" in text
