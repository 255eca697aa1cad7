"""Is a message about electric service at all? A guard against other services' "bill", "payment", "fee".

Words such as account, card, payment, late fee or autopay pull questions about banks, phones or
the gas company into billing. A message that names another service and no electric one is not
routed outright: the assistant asks which topic it is (with "something else" as a choice).
English and Spanish; pure functions, no Rasa import.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Anything that ties a message to electric service in SCE's territory.
_ELECTRIC = re.compile(
    r"electri|\bpower\b|\benerg|\bedison\b|\bsce\b|\blights?\b|outage|blackout|\bmeter|kwh|kilowatt|\bsolar"
    r"|\bgrid\b|\bcca\b|clean power|choice energy|community choice|generation|\bwires?\b|power ?lines?|\bpoles?\b"
    r"|transformer|\bpsps\b|shut ?off|caiso|\bcpuc\b|flex alert|baseline|\bCARE\b|\bFERA\b|\btou\b|rate plan"
    r"|\bluz\b|corriente|apag[oó]n|medidor|el[eé]ctric|\bprime\b|\b3ce\b|\bocpa\b|\bcpa\b|\bsjp\b|\bdce\b|sbce",
    _I,
)
# Other services whose bills, accounts and fees customers also ask about.
_OTHER_SERVICE = re.compile(
    r"credit card|debit card|overdraft|\bbank (fee|charge|statement|branch|app|card|loan)|\batm\b|el banco"
    r"|checking account"
    r"|savings account|\bloan|mortgage|car (payment|note)|insurance"
    r"|co-?pay|health (plan|insurance)|doctor|dentist|pharmac|prescription|medical bill|hospital bill"
    r"|cable (tv|television|bill|company|guy|box|provider)|internet|wi-?fi|broadband|phone (bill|plan|company)"
    r"|cell ?phone|verizon|at&t|t-mobile|spectrum|comcast|xfinity|netflix|streaming|subscription"
    r"|water (bill|company|district|department|utility)|\bagua\b|gas (bill|company|utility|meter)|socal ?gas"
    r"|so cal gas|propane|trash|sewer|\bhoa\b|paypal|venmo|zelle|cash app|amazon|tracking number|shipping"
    r"|airline|flight|\bvuelo|hotel|passport|pasaporte|\bdmv\b|driver'?s licen|real id|\birs\b|tax return"
    r"|social security|library|tuition|allowance|\bgym\b|parking (ticket|permit)|\btoll\b|tarjeta|pr[eé]stamo"
    r"|hipoteca|tel[eé]fono celular|compa[ñn][ií]a de (gas|agua|cable|tel[eé]fono)|recibo del (agua|gas|cable|tel)",
    _I,
)


def names_another_service(text: str) -> bool:
    """True when ``text`` names another service (a bank, the phone company, the gas company, ...)."""
    return bool(_OTHER_SERVICE.search(text or ""))


def about_electric_service(text: str) -> bool:
    """True when ``text`` has a word that ties it to electric service."""
    return bool(_ELECTRIC.search(text or ""))


def off_domain(text: str) -> bool:
    """Another service is named and nothing ties the message to electric service."""
    return names_another_service(text) and not about_electric_service(text)
