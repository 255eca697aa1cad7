"""``python -m bot``: manage the role table, route an inquiry, list places, check the facts' freshness."""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot.text import MAX_INPUT_CHARS

EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_UNAVAILABLE = 4


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _clean_arg(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise CliError(f'{what} is empty; give a name, e.g. --{what} "Santa Monica"')
    if len(value) > MAX_INPUT_CHARS:
        raise CliError(f"{what} is {len(value)} characters long; a name has at most {MAX_INPUT_CHARS}")
    return value


def _cmd_db(args: argparse.Namespace) -> int:
    from bot import seed

    if args.db_command == "init":
        seed.create_schema()
        print("schema ready")
    else:
        counts = seed.seed()
        print(json.dumps({"seeded": counts}))
    return 0


def _cmd_route(args: argparse.Namespace) -> int:
    from bot.places import resolve_cca, resolve_place
    from bot.replies import place_question, render
    from bot.routing import route
    from bot.topics import Subtopic, Topic

    try:
        Topic.parse(args.topic)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.subtopic is not None and args.subtopic not in {s.value for s in Subtopic}:
        names = ", ".join(s.value for s in Subtopic)
        raise CliError(f"unknown subtopic {args.subtopic[:40]!r}; choose one of: {names}")
    city = _clean_arg(args.city, "city")
    cca = _clean_arg(args.cca, "cca")
    if city is not None:
        match = resolve_place(city)
        if not match.known:
            raise CliError(place_question(match), EXIT_NOT_FOUND)
    if cca is not None and resolve_cca(cca) is None:
        raise CliError(f"no CCA called {cca[:60]!r}; see `python -m bot places`", EXIT_NOT_FOUND)
    routing = route(args.topic, place=city, cca=cca, subtopic=args.subtopic)
    out = routing.to_dict()
    out["answer"] = render(routing)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _cmd_places(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.places import resolve_cca
    from bot.repository import role_table
    from bot.topics import PlaceStatus

    table = role_table()
    key = None
    if args.cca:
        cca = resolve_cca(_clean_arg(args.cca, "cca") or "")
        if cca is None:
            raise CliError(f"no CCA called {args.cca[:60]!r}", EXIT_NOT_FOUND)
        key = cca.key
    today = dt.date.today()
    rows: List[dict] = []
    for place in sorted(table.places.values(), key=lambda p: p.name):
        service = place.service_on(today)
        if key and not (service and service.party_key == key):
            continue
        provider = delivered_by = None
        if service is not None:
            delivered_by = table.parties[service.delivered_by].name
            if service.status == PlaceStatus.PENDING_CCA.value and service.party_key:
                provider = f"{table.party_of_kind('SCE').name} (joining {table.parties[service.party_key].name})"
            elif service.party_key:
                provider = table.parties[service.party_key].name
            else:
                provider = delivered_by
        row = {
            "place": place.name,
            "county": place.county,
            "status": service.status if service else PlaceStatus.UNKNOWN.value,
            "provider": provider,
        }
        if args.details:
            row.update(
                {
                    "kind": place.kind,
                    "delivered_by": delivered_by,
                    "also_delivered_by": table.parties[service.also_delivered_by].name
                    if service and service.also_delivered_by
                    else None,
                    "confidence": service.confidence if service else None,
                }
            )
        rows.append(row)
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


def _cmd_facts(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from bot import config, facts

    if args.months < 1:
        raise CliError(f"--months must be at least 1, got {args.months}")
    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError:
        raise CliError(f"--today must be a date like 2026-12-31, got {args.today[:20]!r}") from None
    seed_dir = Path(args.seed_dir) if args.seed_dir else config.SEED_DIR
    try:
        report = facts.check(seed_dir, today=today, months=args.months)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the seed in {str(seed_dir)[:80]}: {exc}"[:300]) from None
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(facts.format_report(report, limit=args.limit))
    return report.exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    db_parser = sub.add_parser("db", help="create or seed the role table")
    db_parser.add_argument("db_command", choices=["init", "seed"])
    db_parser.set_defaults(func=_cmd_db)
    route_parser = sub.add_parser("route", help="who handles a topic, as JSON")
    route_parser.add_argument("--topic", required=True)
    group = route_parser.add_mutually_exclusive_group()
    group.add_argument("--city", help="city, community, neighbourhood or ZIP code")
    group.add_argument("--cca")
    route_parser.add_argument("--subtopic", help="assistance_programs, net_metering, rate_approval, complaint, hazard")
    route_parser.set_defaults(func=_cmd_route)
    places_parser = sub.add_parser("places", help="places and who supplies their generation today")
    places_parser.add_argument("--cca")
    places_parser.add_argument("--details", action="store_true", help="also the delivering utility and confidence")
    places_parser.set_defaults(func=_cmd_places)
    facts_parser = sub.add_parser("facts", help="check the seed facts: past-due pending changes, stale sources")
    facts_parser.add_argument("facts_command", choices=["check"])
    facts_parser.add_argument("--months", type=int, default=18, help="a source older than this is stale (18)")
    facts_parser.add_argument("--today", help="check as of this date (YYYY-MM-DD)")
    facts_parser.add_argument("--seed-dir", help="the seed directory (default: seed/)")
    facts_parser.add_argument("--limit", type=int, default=0, help="show at most this many items per list")
    facts_parser.add_argument("--json", action="store_true")
    facts_parser.set_defaults(func=_cmd_facts)
    _add_handoff_commands(sub)
    return parser


def _add_handoff_commands(sub: argparse._SubParsersAction) -> None:
    """``report`` (operators' report) and ``handoff`` (callback tickets): see bot/report.py, bot/handoff/cli.py."""
    from bot import report
    from bot.handoff import cli as handoff_cli

    report.add_parser(sub)
    handoff_cli.add_parser(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except SQLAlchemyError as exc:
        print(
            f"error: the role-table database is unavailable ({exc.__class__.__name__}); "
            "check DATABASE_URL and run `python -m bot db seed`",
            file=sys.stderr,
        )
        return EXIT_UNAVAILABLE
    except Exception as exc:  # noqa: BLE001 - the CLI reports, never dumps a traceback
        from bot.repository import RoleTableUnavailable

        if isinstance(exc, RoleTableUnavailable):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        raise
