"""What the assistant says during a hand-off, in English and Spanish (the ``language`` slot)."""

from __future__ import annotations

from typing import Any, Dict

TEXTS: Dict[str, Dict[str, str]] = {
    "offer": {
        "en": "Would you like {party} to contact you? I can pass your question on with your name and a phone "
        "number or e-mail address.",
        "es": "¿Quiere que {party} se comunique con usted? Puedo pasarle su pregunta con su nombre y un "
        "teléfono o correo electrónico.",
    },
    "offer_yes": {"en": "Yes, please", "es": "Sí, por favor"},
    "offer_no": {"en": "No, thanks", "es": "No, gracias"},
    "ask_question_first": {
        "en": "If you tell me your question, I can also ask the right party to contact you.",
        "es": "Si me cuenta su pregunta, también puedo pedir a la parte responsable que se comunique con usted.",
    },
    "declined": {
        "en": "Okay, I won't pass anything on. Anything else I can help with?",
        "es": "De acuerdo, no enviaré nada. ¿Le ayudo con algo más?",
    },
    "ask_name": {
        "en": 'Sure. What name should {party} ask for? (Say "never mind" at any point to stop.)',
        "es": '¡Claro! ¿Por qué nombre debe preguntar {party}? (Diga "olvídelo" en cualquier momento para parar.)',
    },
    "bad_name": {
        "en": 'Please type just the name {party} should ask for, for example "Maria Lopez".',
        "es": 'Escriba solo el nombre por el que debe preguntar {party}, por ejemplo "María López".',
    },
    "ask_contact": {
        "en": "Thanks, {name}. What phone number or e-mail address should {party} use to reach you?",
        "es": "Gracias, {name}. ¿A qué teléfono o correo electrónico debe comunicarse {party} con usted?",
    },
    "phone_digits": {
        "en": "That phone number has {digits} digits; a US number has 10, like 626-302-1212. "
        "You can also give an e-mail address.",
        "es": "Ese número tiene {digits} dígitos; un número de EE. UU. tiene 10, como 626-302-1212. "
        "También puede darme un correo electrónico.",
    },
    "phone_invalid": {
        "en": "That isn't a valid US phone number; please check it, or give an e-mail address instead.",
        "es": "Ese no es un número de teléfono válido de EE. UU.; revíselo o deme un correo electrónico.",
    },
    "email_invalid": {
        "en": "That e-mail address looks incomplete; please type it like name@example.com, or give a phone number.",
        "es": "Ese correo parece incompleto; escríbalo como nombre@ejemplo.com o deme un número de teléfono.",
    },
    "missing": {
        "en": "I didn't find a phone number or e-mail address there. Please type one, like 626-302-1212 or "
        "name@example.com.",
        "es": "No encontré un teléfono ni un correo electrónico. Escriba uno, como 626-302-1212 o nombre@ejemplo.com.",
    },
    "confirm": {
        "en": "Here is what I'll send to {party_label}:\n- Topic: {topic}\n- Place: {place}\n- Your question: "
        "{question}\n- Name: {name}\n- Contact: {contact}\n\nShall I send it?",
        "es": "Esto es lo que enviaré a {party_label}:\n- Tema: {topic}\n- Lugar: {place}\n- Su pregunta: "
        "{question}\n- Nombre: {name}\n- Contacto: {contact}\n\n¿Lo envío?",
    },
    "confirm_yes": {"en": "Yes, send it", "es": "Sí, envíelo"},
    "confirm_no": {"en": "No, don't send", "es": "No lo envíe"},
    "confirm_again": {
        "en": "Should I send it? Please answer yes to send it or no to cancel.",
        "es": "¿Lo envío? Responda sí para enviarlo o no para cancelar.",
    },
    "filed": {
        "en": "Done: I've passed your question to {party_label}, who will contact you at {contact}. Your "
        "reference number is {reference}.",
        "es": "Listo: pasé su pregunta a {party_label}, que se comunicará con usted en {contact}. Su número "
        "de referencia es {reference}.",
    },
    "filed_phone": {
        "en": " If you call them ({phone}), mention it.",
        "es": " Si les llama ({phone}), menciónelo.",
    },
    "cancelled": {
        "en": "Okay, I've cancelled the callback request; nothing was sent. Anything else I can help with?",
        "es": "De acuerdo, cancelé la solicitud; no se envió nada. ¿Le ayudo con algo más?",
    },
    "failed": {
        "en": "Sorry, I couldn't pass your request on just now; nothing was stored. Please contact {party_label} "
        "directly: {contact_line}.",
        "es": "Lo siento, no pude enviar su solicitud en este momento; no se guardó nada. Comuníquese "
        "directamente con {party_label}: {contact_line}.",
    },
    "not_given": {"en": "not given", "es": "no indicado"},
    "not_recorded": {"en": "(not recorded)", "es": "(no registrada)"},
}

TOPICS: Dict[str, Dict[str, str]] = {
    "billing": {"en": "your bill", "es": "su factura"},
    "outage": {"en": "a power outage", "es": "un apagón"},
    "generation": {"en": "where your electricity comes from", "es": "de dónde viene su electricidad"},
    "covid_relief": {"en": "COVID-19 payment relief", "es": "alivio de pagos por COVID-19"},
    "enrollment": {"en": "enrolling in or opting out of a CCA", "es": "inscribirse o salirse de un CCA"},
    "transmission": {"en": "the transmission grid", "es": "la red de transmisión"},
    "become_cca": {"en": "forming a CCA", "es": "formar un CCA"},
}


def language_of(value: Any) -> str:
    return "es" if value == "es" else "en"


def say(key: str, language: Any = "en", **values: Any) -> str:
    """The text ``key`` in ``language`` (English when unknown), with ``values`` filled in."""
    return TEXTS[key][language_of(language)].format(**values)


def topic_phrase(topic: str | None, language: Any = "en") -> str:
    if not topic:
        return say("not_given", language)
    return TOPICS.get(topic, {}).get(language_of(language), topic.replace("_", " "))
