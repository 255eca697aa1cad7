"""Reading names, phone numbers, e-mail addresses and "no thanks" from what customers type."""

from __future__ import annotations

import pytest

from bot.handoff.contact import clean_name, is_cancel, is_yes, parse_contact, without_contact
from bot.handoff.texts import SECTION, say
from bot.i18n import catalogue
from bot.language import Language


@pytest.mark.parametrize(
    "text,phone,email",
    [
        ("626-302-1212", "626-302-1212", None),
        ("(626) 302 1212", "626-302-1212", None),
        ("call me at 1 626 302 1212 please", "626-302-1212", None),
        ("+1 (626) 302-1212 ext 45", "626-302-1212 ext. 45", None),
        ("+44 20 7946 0958", "+442079460958", None),
        ("maria.lopez@example.com", None, "maria.lopez@example.com"),
        ("my email is <Sam+sce@Mail.Example.ORG>.", None, "Sam+sce@mail.example.org"),
        ("626.302.1212 or sam@example.org", "626-302-1212", "sam@example.org"),
    ],
)
def test_valid_contacts(text, phone, email):
    found = parse_contact(text)
    assert found.ok and (found.phone, found.email) == (phone, email)


@pytest.mark.parametrize(
    "text,problem,digits",
    [
        ("626-302-121", "phone_digits", 9),
        ("626 302 12125", "phone_digits", 11),
        ("123-456-7890", "phone_invalid", 10),  # area codes never start with 1
        ("626-111-1212", "phone_invalid", 10),  # nor exchanges
        ("911-555-1212", "phone_invalid", 10),  # N11 is not an area code
        ("maria@example", "email_invalid", 0),
        ("maria at example dot com", "missing", 0),
        ("call me tomorrow", "missing", 0),
        ("555", "phone_digits", 3),
    ],
)
def test_invalid_contacts_say_what_is_wrong(text, problem, digits):
    found = parse_contact(text)
    assert not found.ok and (found.problem, found.digits) == (problem, digits)
    assert say(problem, "en", digits=digits) and say(problem, "es", digits=digits)


@pytest.mark.parametrize(
    "text,name",
    [
        ("Maria Lopez", "Maria Lopez"),
        ("my name is María López.", "María López"),
        ("Hi, I'm Dana O'Neil", "Dana O'Neil"),
        ("Jean-Luc Picard", "Jean-Luc Picard"),
        ("Maria de la Cruz", "Maria de la Cruz"),
        ("me llamo José", "José"),
        ("there's a sparking wire on my street", None),
        ("I want to talk to a person", None),
        ("are you a bot", None),
        ("626 302 1212", None),
        ("maria@example.com", None),
        ("/affirm", None),
        ("", None),
        ("a b c d e f g", None),
    ],
)
def test_names(text, name):
    assert clean_name(text) == name


def test_a_name_next_to_a_phone_number():
    assert clean_name(without_contact("Sam Park, 626-302-1212")) == "Sam Park"
    assert clean_name(without_contact("Sam Park sam@example.org")) == "Sam Park"


@pytest.mark.parametrize(
    "text,intent,confidence,cancel",
    [
        ("no thanks", None, 0.0, True),
        ("never mind", "inform", 0.4, True),
        ("Nevermind.", None, 0.0, True),
        ("actually, forget it", None, 0.0, True),
        ("No, gracias", None, 0.0, True),
        ("olvídalo", None, 0.0, True),
        ("/deny", "deny", 1.0, True),
        ("no I don't want to do that anymore", "deny", 0.93, True),
        ("Nina", "deny", 0.95, False),  # a name is never a "no", whatever the classifier says
        ("Norma Nolan", "deny", 0.99, False),
        ("no I don't want to do that anymore", "deny", 0.5, False),
        ("/affirm", "affirm", 1.0, False),
    ],
)
def test_leaving(text, intent, confidence, cancel):
    assert is_cancel(text, intent, confidence) is cancel


@pytest.mark.parametrize(
    "text,intent,confidence,yes",
    [
        ("/affirm", "affirm", 1.0, True),
        ("yes", None, 0.0, True),
        ("Yes, send it!", None, 0.0, True),
        ("sí, por favor", None, 0.0, True),
        ("sounds good to me", "affirm", 0.9, True),
        ("/deny", "deny", 1.0, False),
        ("not yet", "affirm", 0.9, False),
        ("hmm", "affirm", 0.3, False),
    ],
)
def test_agreeing(text, intent, confidence, yes):
    assert is_yes(text, intent, confidence) is yes


def test_every_handoff_text_is_in_both_catalogues_with_the_same_placeholders():
    import string

    keys = {lang: {k for k in catalogue(lang) if k.startswith(f"{SECTION}.")} for lang in Language}
    assert keys[Language.EN] == keys[Language.ES] and f"{SECTION}.offer" in keys[Language.EN]
    for key in keys[Language.EN]:
        fields = [{f for _, f, _, _ in string.Formatter().parse(catalogue(lang)[key]) if f} for lang in Language]
        assert fields[0] == fields[1], key
