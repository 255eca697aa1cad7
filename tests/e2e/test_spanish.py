"""Spanish conversations end to end through REST: detection, Spanish answers, switching language."""

from __future__ import annotations

import uuid

import pytest

from tooling.rest_client import RasaClient

pytestmark = pytest.mark.servers


def texts(replies) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def new_sender() -> str:
    return f"es-{uuid.uuid4().hex[:12]}"


def test_a_spanish_question_gets_a_spanish_answer_with_the_cca_named(client: RasaClient):
    sender = new_sender()
    ask = client.send(sender, "¿de dónde viene la electricidad de mi casa?")
    assert "¿En qué ciudad o comunidad" in texts(ask)
    assert {"title": "No sé", "payload": "/dont_know"} in ask[-1]["buttons"]
    answer = texts(client.send(sender, "Santa Mónica"))
    assert "comuníquese con Clean Power Alliance" in answer and "1-888-585-3788" in answer
    slots = client.slots(sender)
    assert (slots["language"], slots["inquiry_topic"], slots["responsible_party"]) == ("es", "generation", "CCA")


def test_spanish_outage_answer_gives_sces_spanish_line(client: RasaClient):
    sender = new_sender()
    answer = texts(client.send(sender, "se fue la luz en mi casa desde anoche"))
    assert "línea de apagones 1-800-611-1911" in answer and "en español 1-800-441-2233" in answer


def test_who_sends_the_bill_after_a_city_is_a_spanish_billing_answer(client: RasaClient):
    sender = new_sender()
    client.send(sender, "vivo en Los Ángeles")
    answer = texts(client.send(sender, "¿quién me manda la factura?"))
    assert "Thanks, noted" not in answer and "Gracias, anoté" not in answer
    assert client.slots(sender)["inquiry_topic"] == "billing"


def test_no_se_answers_the_city_question(client: RasaClient):
    sender = new_sender()
    client.send(sender, "quiero salirme de mi CCA, ¿cómo le hago?")
    answer = texts(client.send(sender, "no sé"))
    assert "depende de si su dirección está en un CCA" in answer


def test_language_switches_on_request_and_a_short_message_does_not_flip_it(client: RasaClient):
    sender = new_sender()
    client.send(sender, "hola, tengo una pregunta sobre mi factura de luz")
    assert client.slots(sender)["language"] == "es"
    client.send(sender, "ok")
    assert client.slots(sender)["language"] == "es"
    switched = texts(client.send(sender, "English please"))
    assert "continue in English" in switched and client.slots(sender)["language"] == "en"


def test_a_spanish_page_sets_the_language_silently(client: RasaClient):
    sender = new_sender()
    assert texts(client.send(sender, '/page_language{"language": "es"}')) == ""
    assert client.slots(sender)["language"] == "es"
    assert "Gracias, anoté Santa Monica" in texts(client.send(sender, "Santa Monica"))  # a bare city, in Spanish
