"""``python -m bot``: manage the role table, route an inquiry, list places."""

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
    from bot.replies import render, unknown_place_message
    from bot.routing import route
    from bot.topics import Topic

    try:
        Topic.parse(args.topic)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    city = _clean_arg(args.city, "city")
    cca = _clean_arg(args.cca, "cca")
    if city is not None:
        match = resolve_place(city)
        if not match.known:
            raise CliError(unknown_place_message(city, list(match.suggestions)), EXIT_NOT_FOUND)
    if cca is not None and resolve_cca(cca) is None:
        raise CliError(f"no CCA called {cca[:60]!r}; see `python -m bot places`", EXIT_NOT_FOUND)
    routing = route(args.topic, place=city, cca=cca)
    out = routing.to_dict()
    out["answer"] = render(routing)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _cmd_places(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.places import resolve_cca
    from bot.repository import role_table

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
        provider = None
        if service is not None:
            if service.status == "pending_cca" and service.party_key:
                provider = f"{table.party_of_kind('SCE').name} (joining {table.parties[service.party_key].name})"
            elif service.party_key:
                provider = table.parties[service.party_key].name
            else:
                provider = service.utility
        rows.append(
            {
                "place": place.name,
                "county": place.county,
                "status": service.status if service else "unknown",
                "provider": provider,
            }
        )
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    db_parser = sub.add_parser("db", help="create or seed the role table")
    db_parser.add_argument("db_command", choices=["init", "seed"])
    db_parser.set_defaults(func=_cmd_db)
    route_parser = sub.add_parser("route", help="who handles a topic, as JSON")
    route_parser.add_argument("--topic", required=True)
    group = route_parser.add_mutually_exclusive_group()
    group.add_argument("--city")
    group.add_argument("--cca")
    route_parser.set_defaults(func=_cmd_route)
    places_parser = sub.add_parser("places", help="places and who supplies their generation today")
    places_parser.add_argument("--cca")
    places_parser.set_defaults(func=_cmd_places)
    return parser


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
