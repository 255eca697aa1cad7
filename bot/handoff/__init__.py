"""Handing an inquiry to the responsible party: callback tickets, their delivery, and the event log.

- :mod:`bot.handoff.events` — :func:`record_event` for fallbacks, unknown places, clarifying questions,
  requests for a person and filed hand-offs (never message text).
- :mod:`bot.handoff.tickets` — the outbox: filing, listing, purging tickets.
- :mod:`bot.handoff.delivery` — signed POSTs with retries, and the background delivery loop.
- :mod:`bot.handoff.targets` — each party's webhook and signing secret.
- :mod:`bot.handoff.contact` — reading names, phone numbers and e-mail addresses.
"""

from bot.handoff.events import EVENT_KINDS, EventKind, record_event

__all__ = ["EVENT_KINDS", "EventKind", "record_event"]
