"""The operators' report: what customers ask, by day, topic, party, CCA and place.

``python -m bot report --from 2026-11-01 --to 2026-11-30 [--csv rows.csv] [--chart daily.png]``

Sources: the inquiry log (``inquiries``: one row per routed answer) and the conversation-event log
(``conversation_events``: fallbacks, unknown places, clarifying questions, requests for a person and
filed hand-offs). Neither holds message text or contact details. Days are calendar days in ``--tz``
(default America/Los_Angeles, SCE's territory); both dates are included.

Shares are of *customer questions*: routed inquiries plus fallbacks (a message the assistant did not
understand is a question it could not route).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot import db
from bot.handoff.events import EVENT_KINDS, EventKind
from bot.handoff.models import ConversationEvent, aware, ensure_schema
from bot.models import Inquiry

DEFAULT_TZ = "America/Los_Angeles"
PARTIES = ("SCE", "CCA", "CAISO", "CPUC")
NO_PARTY = "none"  # routed, but to nobody in SCE territory (another utility's city)
NOT_GIVEN = "(none)"
INQUIRY = "inquiry"
MAX_DAYS = 3700
CSV_FIELDS = ("date", "kind", "topic", "party", "cca", "place", "channel", "count")
EVENT_LABELS = {
    EventKind.FALLBACK.value: "fallbacks",
    EventKind.UNKNOWN_PLACE.value: "unknown places",
    EventKind.CLARIFICATION.value: "clarifying questions",
    EventKind.HUMAN_REQUEST.value: "requests for a person",
    EventKind.HANDOFF.value: "hand-offs",
}

Key = Tuple[dt.date, str, str, str, str, str, str]  # date, kind, topic, party, cca, place, channel


@dataclass
class Report:
    """Counts for ``start``..``end`` (inclusive, local days in ``tz``)."""

    start: dt.date
    end: dt.date
    tz: str
    rows: Counter = field(default_factory=Counter)  # Key -> count

    @property
    def days(self) -> List[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def _count(self, kind: str, index: int | None = None) -> Counter:
        out: Counter = Counter()
        for key, n in self.rows.items():
            if key[1] == kind:
                out[key[index] if index is not None else kind] += n
        return out

    @property
    def inquiries(self) -> int:
        return sum(n for key, n in self.rows.items() if key[1] == INQUIRY)

    def events(self, kind: str) -> int:
        return sum(n for key, n in self.rows.items() if key[1] == kind)

    @property
    def questions(self) -> int:
        """Routed inquiries plus fallbacks: the denominator of every share."""
        return self.inquiries + self.events(EventKind.FALLBACK.value)

    def share(self, kind: str) -> float:
        total = self.questions
        count = self.inquiries if kind == INQUIRY else self.events(kind)
        return count / total if total else 0.0

    def inquiries_by(self, what: str) -> Counter:
        """Routed inquiries by ``topic``, ``party``, ``cca``, ``place`` or ``channel``."""
        return self._count(INQUIRY, {"topic": 2, "party": 3, "cca": 4, "place": 5, "channel": 6}[what])

    def by_day(self) -> Dict[dt.date, Counter]:
        """Per day: ``inquiry``, each party (``SCE`` ... ``none``) and each event kind."""
        out: Dict[dt.date, Counter] = {day: Counter() for day in self.days}
        for (day, kind, _topic, party, _cca, _place, _channel), n in self.rows.items():
            out[day][kind] += n
            if kind == INQUIRY:
                out[day][party] += n
        return out


def zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name[:60]!r}; use an IANA name like {DEFAULT_TZ}") from None


def _bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> Tuple[dt.datetime, dt.datetime]:
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz).astimezone(dt.timezone.utc)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz).astimezone(dt.timezone.utc)
    return lo, hi


def _label(value: Any) -> str:
    return str(value) if value not in (None, "") else NOT_GIVEN


def build(start: dt.date, end: dt.date, tz_name: str = DEFAULT_TZ, url: str | None = None) -> Report:
    """Count the inquiry and event logs between ``start`` and ``end`` (inclusive)."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days per report")
    tz = zone(tz_name)
    lo, hi = _bounds(start, end, tz)
    report = Report(start, end, tz_name)
    ensure_schema(url)

    def day(when: dt.datetime) -> dt.date:
        moment = aware(when)
        assert moment is not None
        return moment.astimezone(tz).date()

    with db.session_factory(url).begin() as session:
        inquiries: Iterable[Any] = session.execute(
            select(Inquiry.created_at, Inquiry.topic, Inquiry.party, Inquiry.cca, Inquiry.place, Inquiry.channel)
            .where(Inquiry.created_at >= lo, Inquiry.created_at < hi)
            .execution_options(yield_per=1000)
        )
        for created, topic, party, cca, place, channel in inquiries:
            key = (day(created), INQUIRY, _label(topic), party or NO_PARTY, _label(cca), _label(place), channel)
            report.rows[key] += 1
        events: Iterable[Any] = session.execute(
            select(
                ConversationEvent.created_at,
                ConversationEvent.kind,
                ConversationEvent.topic,
                ConversationEvent.party,
                ConversationEvent.cca,
                ConversationEvent.place,
                ConversationEvent.channel,
            )
            .where(ConversationEvent.created_at >= lo, ConversationEvent.created_at < hi)
            .execution_options(yield_per=1000)
        )
        for created, kind, topic, party, cca, place, channel in events:
            key = (day(created), kind, _label(topic), party or NO_PARTY, _label(cca), _label(place), channel)
            report.rows[key] += 1
    return report


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _table(title: str, counts: Counter, total: int) -> List[str]:
    lines = [title]
    if not counts:
        return [*lines, "  (none)"]
    width = max(len(str(k)) for k in counts)
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        lines.append(f"  {str(key):<{width}}  {n:>6}  {_pct(n / total) if total else '-':>7}")
    return lines


def render(report: Report) -> str:
    """The report as plain text."""
    kinds = list(EVENT_KINDS)
    lines = [f"Customer inquiries {report.start} to {report.end} ({report.tz})", ""]
    q = report.questions
    lines.append(
        f"Customer questions: {q} (routed inquiries {report.inquiries} + fallbacks "
        f"{report.events(EventKind.FALLBACK.value)})"
    )
    lines.append(f"  routed inquiries       {report.inquiries:>6}  {_pct(report.share(INQUIRY)):>7}")
    for kind in kinds:
        lines.append(f"  {EVENT_LABELS[kind]:<22} {report.events(kind):>6}  {_pct(report.share(kind)):>7}")
    lines.append("  (shares are of customer questions)")
    lines.append("")
    columns = ["inquiries", *PARTIES, NO_PARTY, *kinds]
    lines.append("By day")
    lines.append("  " + "  ".join([f"{'date':<10}", *(f"{c:>{max(len(c), 5)}}" for c in columns)]))
    for day, counts in report.by_day().items():
        values = [counts[INQUIRY], *(counts[p] for p in PARTIES), counts[NO_PARTY], *(counts[k] for k in kinds)]
        lines.append(
            "  " + "  ".join([f"{day}", *(f"{v:>{max(len(c), 5)}}" for c, v in zip(columns, values, strict=True))])
        )
    total = report.inquiries
    for title, what in (
        ("By topic", "topic"),
        ("By party", "party"),
        ("By CCA", "cca"),
        ("By place", "place"),
        ("By channel", "channel"),
    ):
        lines.append("")
        lines.extend(_table(f"{title} (routed inquiries)", report.inquiries_by(what), total))
    return "\n".join(lines) + "\n"


def write_csv(report: Report, path: Path) -> int:
    """One row per day x kind x topic x party x CCA x place x channel with its count; returns the rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(report.rows.items(), key=lambda kv: tuple(str(v) for v in kv[0]))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for key, n in ordered:
            writer.writerow([key[0].isoformat(), *key[1:], n])
    return len(ordered)


def draw_chart(report: Report, path: Path) -> None:
    """Daily routed inquiries by party as stacked bars (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    by_day = report.by_day()
    days = list(by_day)
    figure = Figure(figsize=(max(6.0, min(24.0, 0.35 * len(days) + 3)), 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    bottom = [0] * len(days)
    colors = {"SCE": "#1f77b4", "CCA": "#2ca02c", "CAISO": "#ff7f0e", "CPUC": "#9467bd", NO_PARTY: "#7f7f7f"}
    for party in (*PARTIES, NO_PARTY):
        values = [by_day[d][party] for d in days]
        if any(values):
            axes.bar(days, values, bottom=bottom, label=party, color=colors[party], width=0.8)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(f"Routed inquiries per day by party, {report.start} to {report.end}")
    axes.set_ylabel("inquiries")
    axes.yaxis.get_major_locator().set_params(integer=True)
    if any(bottom):
        axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(str(path), format="png")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value[:40]!r} is not a date like 2026-11-30") from None


def _cmd_report(args: argparse.Namespace) -> int:
    from bot.cli import CliError

    end = args.to or dt.datetime.now(zone_or_utc(args.tz)).date()
    start = args.start or end - dt.timedelta(days=6)
    try:
        report = build(start, end, args.tz)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(render(report), end="")
    if args.csv:
        rows = write_csv(report, Path(args.csv))
        print(f"\nwrote {rows} rows to {args.csv}")
    if args.chart:
        draw_chart(report, Path(args.chart))
        print(f"wrote the chart to {args.chart}")
    return 0


def zone_or_utc(name: str) -> dt.tzinfo:
    try:
        return zone(name)
    except ValueError:
        return dt.timezone.utc


def add_parser(sub: Any) -> None:
    """Register ``report`` on the ``python -m bot`` subcommand parsers."""
    parser = sub.add_parser("report", help="operators' report: inquiries by day, topic, party, CCA, place")
    parser.add_argument("--from", dest="start", type=_date, help="first day, YYYY-MM-DD (default: 6 days before --to)")
    parser.add_argument("--to", type=_date, help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--tz", default=DEFAULT_TZ, help=f"time zone of the days (default {DEFAULT_TZ})")
    parser.add_argument("--csv", metavar="FILE", help="also write the counted rows as CSV")
    parser.add_argument("--chart", metavar="FILE.png", help="also draw daily inquiries by party (PNG)")
    parser.set_defaults(func=_cmd_report)
