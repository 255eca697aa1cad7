"""Reading a customer's name, phone number or e-mail address, and "yes" / "no thanks", from free text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import fold_accents

MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 5

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$"
)
_PHONE_CANDIDATE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")
_EXTENSION = re.compile(r"^\s*(?:x|ext\.?|extension)\s*(\d{1,6})", re.IGNORECASE)
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’\-.,]+[^\W\d_]+)*\.?$")
_NAME_PREFIX = re.compile(
    r"^(?:(?:hi|hello|hey|ok|okay|sure|yes|thanks)[,!. ]+)*"
    r"(?:my name is|my name's|my names|name is|name:|the name is|i am|i'm|im|this is|it's|its|it is|call me|"
    r"me llamo|mi nombre es|soy)\s+",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[a-z]+")
# Words of a sentence, not of a name ("de", "la", "del" are kept: they are in Spanish names).
_NOT_NAME_WORDS = frozenset(
    """
    a an the my your our their is are was were be been am there here what how why where when who which i you
    it this that these those me we they he she do does did can could would should will want need help please
    power electricity electric bill outage outages wire wires line lines gas call talk speak person someone
    human agent representative question yes no not nope thanks thank hello hi hey bye goodbye ok okay sure
    about with for from to of in on at and or but if so just don't can't won't isn't doesn't
    """.split()
)

_CANCEL_FULL = re.compile(
    r"^(?:(?:ok|okay|oh|actually|um+|hmm+|well|sorry|no|wait)\s+)*"
    r"(?:no|nope|nah|no thanks?|no thank you|never ?mind|nevermind|cancel(?: that| it| please)?|stop|"
    r"forget (?:it|that|about it)|don ?t bother|don ?t|do not|not now|no need|quit|exit|skip it|"
    r"i (?:ve )?changed my mind|changed my mind|not interested|i don ?t want (?:that|to|it)|"
    r"no gracias|olvidalo|olvidelo|cancelar|cancela|dejalo|dejelo|ya no|mejor no)"
    r"(?:\s+(?:thanks?|thank you|please|gracias|anyway|then))*$"
)
_NEGATION = re.compile(r"\b(?:no|nope|nah|not|never|cancel|stop|forget|bye|goodbye|don ?t|dont|olvid\w*|cancel\w*)\b")
_YES_FULL = re.compile(
    r"^(?:(?:ok|okay|yes|yeah|yep|yup|sure|please|great|perfect)\s+)*"
    r"(?:yes|yeah|yep|yup|sure|ok|okay|correct|right|that s right|that s correct|looks good|all good|"
    r"send it|go ahead|please do|please send|do it|si|claro|de acuerdo|correcto|envielo|envialo|adelante)"
    r"(?:\s+(?:please|thanks?|thank you|send it|go ahead|por favor|gracias))*$"
)

LEAVING_INTENTS = frozenset({"deny", "goodbye"})
LEAVING_CONFIDENCE = 0.8
AFFIRM_CONFIDENCE = 0.6


def _plain(text: str) -> str:
    """Lowercase, accents folded, punctuation to spaces: "¡No, gracias!" -> "no gracias"."""
    return " ".join(_WORDS.findall(fold_accents(text or "").casefold().replace("'", " ").replace("’", " ")))


def _payload(text: str) -> str | None:
    stripped = (text or "").strip()
    if stripped.startswith("/"):
        return stripped[1:].split("{", 1)[0].strip()
    return None


def is_cancel(text: str, intent: str | None = None, confidence: float | None = None) -> bool:
    """The customer wants to stop: "no thanks", "never mind", a /deny button, or a confident deny
    or goodbye that contains a negation (a name alone never counts, whatever the intent)."""
    payload = _payload(text)
    if payload is not None:
        return payload in LEAVING_INTENTS
    plain = _plain(text)
    if _CANCEL_FULL.match(plain):
        return True
    return intent in LEAVING_INTENTS and (confidence or 0.0) >= LEAVING_CONFIDENCE and bool(_NEGATION.search(plain))


def is_yes(text: str, intent: str | None = None, confidence: float | None = None) -> bool:
    """The customer agrees: a /affirm button, "yes", "send it", or a confident affirm without a negation."""
    payload = _payload(text)
    if payload is not None:
        return payload == "affirm"
    plain = _plain(text)
    if _YES_FULL.match(plain):
        return True
    return intent == "affirm" and (confidence or 0.0) >= AFFIRM_CONFIDENCE and not _NEGATION.search(plain)


@dataclass(frozen=True)
class Contact:
    """What a message says about how to reach the customer."""

    phone: str | None = None
    email: str | None = None
    problem: str | None = None  # phone_digits | phone_invalid | email_invalid | missing
    digits: int = 0  # for phone_digits: how many digits were typed

    @property
    def ok(self) -> bool:
        return bool(self.phone or self.email)

    @property
    def display(self) -> str:
        return " / ".join(v for v in (self.phone, self.email) if v)


def _valid_nanp(digits: str) -> bool:
    area, exchange = digits[:3], digits[3:6]
    return area[0] in "23456789" and area[1:] != "11" and exchange[0] in "23456789" and exchange[1:] != "11"


def normalize_phone(candidate: str) -> tuple[str | None, int]:
    """``(formatted, digit_count)``: "(626) 302 1212" -> ("626-302-1212", 10); ``None`` if invalid."""
    digits = re.sub(r"\D", "", candidate)
    international = candidate.strip().startswith("+")
    if international and not digits.startswith("1"):
        return (f"+{digits}" if 8 <= len(digits) <= 15 else None), len(digits)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None, len(digits)
    if not _valid_nanp(digits):
        return None, 10
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", 10


def parse_contact(text: str) -> Contact:
    """Find a phone number and/or an e-mail address in ``text``; say what is wrong when neither is valid."""
    text = (text or "")[:500]
    email: str | None = None
    bad_email = False
    rest = []
    for token in text.split():
        if "@" in token:
            candidate = token.strip("<>()[]{},;:\"'.!?")
            if candidate.lower().startswith("mailto:"):
                candidate = candidate[len("mailto:") :]
            if _EMAIL.match(candidate):
                local, domain = candidate.rsplit("@", 1)
                email = email or f"{local}@{domain.lower()}"
            else:
                bad_email = True
        else:
            rest.append(token)
    remaining = " ".join(rest)
    phone: str | None = None
    problem: str | None = None
    digit_count = 0
    for match in _PHONE_CANDIDATE.finditer(remaining):
        formatted, count = normalize_phone(match.group(0))
        if formatted:
            ext = _EXTENSION.match(remaining[match.end() :])
            phone = f"{formatted} ext. {ext.group(1)}" if ext else formatted
            break
        if count >= 7 and problem is None:
            problem, digit_count = ("phone_digits" if count != 10 else "phone_invalid"), count
    if phone or email:
        return Contact(phone=phone, email=email)
    if problem:
        return Contact(problem=problem, digits=digit_count)
    if bad_email:
        return Contact(problem="email_invalid")
    digits = len(re.sub(r"\D", "", remaining))
    if digits >= 3:
        return Contact(problem="phone_digits", digits=digits)
    return Contact(problem="missing")


def clean_name(text: str) -> str | None:
    """The customer's name from "my name is Maria López." -> "Maria López"; ``None`` if it is not a name."""
    name = (text or "").strip().strip("\"'“”")
    if _payload(name) is not None or len(name) > 2 * MAX_NAME_CHARS:
        return None
    name = _NAME_PREFIX.sub("", name, count=1).strip().rstrip("!.,;:").strip()
    name = re.sub(r"\s+", " ", name)
    if not name or len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return None
    if not _NAME.match(name):
        return None
    if any(word.strip(".,").casefold().replace("’", "'") in _NOT_NAME_WORDS for word in name.split()):
        return None
    return name


def without_contact(text: str) -> str:
    """``text`` with e-mail addresses and phone-like digit runs removed (to read a name next to them)."""
    kept = " ".join(t for t in (text or "").split() if "@" not in t)
    return re.sub(r"\s+", " ", _PHONE_CANDIDATE.sub(" ", kept)).strip(" ,;:-")
