"""``python -m bot handoff pending | resend | purge``: operate the hand-off outbox."""

from __future__ import annotations

import argparse
import json
from typing import Any, NoReturn

from bot.config import SettingError


def _fail(message: str) -> NoReturn:
    from bot.cli import CliError

    raise CliError(message)


def _target_note(party_key: str) -> str:
    from bot.handoff.targets import target_for, url_problem

    target = target_for(party_key)
    if target is None:
        return "no target"
    if not target.usable:
        return url_problem(target.url) or "no signing secret"
    return f"via {target.source}"


def _cmd_pending(args: argparse.Namespace) -> int:
    from bot.handoff.tickets import tickets

    rows = tickets()
    if args.json:
        print(json.dumps([{**t.to_dict(), "target": _target_note(t.party_key)} for t in rows], indent=2))
        return 0
    if not rows:
        print("no pending hand-off tickets")
        return 0
    print(f"{len(rows)} pending hand-off ticket(s):")
    header = f"{'reference':<12} {'party':<8} {'topic':<13} {'created (UTC)':<17} {'tries':>5}  last error / target"
    print(header)
    for t in rows:
        note = t.last_error or "-"
        print(
            f"{t.reference:<12} {t.party_key:<8} {(t.topic or '-'):<13} {t.created_at:%Y-%m-%d %H:%M} "
            f"{t.attempts:>5}  {note} / {_target_note(t.party_key)}"
        )
    return 0


def _cmd_resend(args: argparse.Namespace) -> int:
    from bot.handoff.delivery import deliver_due

    try:
        report = deliver_due(force=True, reference=args.reference)
    except SettingError as exc:
        _fail(str(exc))
    for reference in report.delivered:
        print(f"{reference}: delivered")
    for reference, error in report.failed.items():
        print(f"{reference}: not delivered ({error}); will be retried")
    if report.skipped:
        print(f"{report.skipped} ticket(s) being sent by a running delivery loop right now")
    if not (report.delivered or report.failed or report.skipped):
        print("no pending hand-off tickets" + (f" with reference {args.reference}" if args.reference else ""))
    return 1 if report.failed else 0


def _cmd_purge(args: argparse.Namespace) -> int:
    from bot.handoff.tickets import purge, retention_days

    try:
        days = args.days if args.days is not None else retention_days()
    except SettingError as exc:
        _fail(str(exc))
    if days < 1:
        _fail("--days must be at least 1")
    count = purge(days=days)
    print(f"deleted {count} hand-off ticket(s) created more than {days:g} days ago")
    return 0


def add_parser(sub: Any) -> None:
    """Register ``handoff`` on the ``python -m bot`` subcommand parsers."""
    parser = sub.add_parser("handoff", help="callback tickets: show, re-send or purge them")
    commands = parser.add_subparsers(dest="handoff_command", required=True)
    pending = commands.add_parser("pending", help="tickets not yet acknowledged by their party (no contact details)")
    pending.add_argument("--json", action="store_true", help="print JSON")
    pending.set_defaults(func=_cmd_pending)
    resend = commands.add_parser("resend", help="send pending tickets now, ignoring the retry delay")
    resend.add_argument("--reference", help="only this ticket (H-XXXX-XXXX)")
    resend.set_defaults(func=_cmd_resend)
    purge = commands.add_parser("purge", help="delete tickets older than HANDOFF_RETENTION_DAYS (default 90)")
    purge.add_argument("--days", type=float, help="retention in days instead of HANDOFF_RETENTION_DAYS")
    purge.set_defaults(func=_cmd_purge)
