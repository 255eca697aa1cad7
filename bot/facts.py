"""Freshness check of the seed facts: ``python -m bot facts check``.

Lists, from the seed YAML (no database needed):

* pending changes (a city joining a CCA) whose expected date has passed;
* dated periods (a place's service with dates, the COVID-19 relief period) without a source;
* facts whose newest dated source is older than N months (default 18), and facts with no dated source.

Exit status is non-zero only when a pending change is more than ``GRACE_DAYS`` (90) days past its
expected date: then the role table is probably wrong about that city today.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple

from bot import config

DEFAULT_MONTHS = 18
GRACE_DAYS = 90
_FULL = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?!\d)")
_TRAILING = re.compile(r"\(([^()]*)\)\s*$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass(frozen=True)
class PendingFinding:
    place: str
    cca: str
    expected: str
    expected_by: dt.date
    days_past: int
    failing: bool


@dataclass(frozen=True)
class StaleFinding:
    fact: str
    newest: dt.date | None  # None: no dated source at all


@dataclass
class Report:
    today: dt.date
    months: int
    pending_past_due: List[PendingFinding] = field(default_factory=list)
    periods_without_source: List[str] = field(default_factory=list)
    stale: List[StaleFinding] = field(default_factory=list)
    undated: List[str] = field(default_factory=list)

    @property
    def failing(self) -> List[PendingFinding]:
        return [p for p in self.pending_past_due if p.failing]

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def to_dict(self) -> Dict[str, Any]:
        out = asdict(self)
        out["failing"] = [p.place for p in self.failing]
        return json.loads(json.dumps(out, default=str))


def _valid(year: int, month: int, day: int | None) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    if day is not None and not 1 <= day <= last:
        return None
    return dt.date(year, month, day or 1)


def source_dates(source: str) -> List[dt.date]:
    """Dates written in a source string: ``2021-06-16``, ``2024-10``, ``/2021/06/16/`` in a URL, or a year
    alone in the trailing "(Publisher, 2004)"."""
    found = []
    for y, m, d in _FULL.findall(source):
        day = _valid(int(y), int(m), int(d) if d else None)
        if day:
            found.append(day)
    trailing = _TRAILING.search(source)
    if not found and trailing:
        found += [dt.date(int(y), 1, 1) for y in _YEAR.findall(trailing.group(1))]
    return found


def newest_date(sources: Iterable[str], source_date: Any = None) -> dt.date | None:
    dates = [d for s in sources for d in source_dates(str(s))]
    if source_date:
        dates.append(_to_date(source_date))
    return max(dates) if dates else None


def _to_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _facts(role_table: Dict[str, Any], responsibilities: Dict[str, Any]) -> Iterable[Tuple[str, List[str], Any]]:
    """(fact, sources, source_date) for every sourced fact in the seed."""
    for party in role_table.get("parties", []):
        yield f"party {party['key']} ({party['name']})", list(party.get("sources", [])), party.get("source_date")
    for place in role_table.get("places", []):
        for i, svc in enumerate(place.get("services", [])):
            label = f"place {place['name']}" + (f" (service {i + 1})" if len(place["services"]) > 1 else "")
            yield label, list(svc.get("sources", [])), svc.get("source_date")
        if place.get("pending"):
            change = place["pending"]
            yield f"pending {place['name']}", list(change.get("sources", [])), change.get("source_date")
    for item in responsibilities.get("guidance", []):
        yield f"guidance {item['key']}", list(item.get("sources", [])), item.get("source_date")


def check(
    seed_dir: Path = config.SEED_DIR,
    today: dt.date | None = None,
    months: int = DEFAULT_MONTHS,
    grace_days: int = GRACE_DAYS,
) -> Report:
    """Check the seed in ``seed_dir`` as of ``today``."""
    from bot.seed import load_yaml

    today = today or dt.date.today()
    role_table = load_yaml(seed_dir / "role_table.yml")
    responsibilities = load_yaml(seed_dir / "responsibilities.yml")
    report = Report(today=today, months=months)
    ccas = {p["key"]: p.get("short_name") or p["name"] for p in role_table.get("parties", [])}
    for place in role_table.get("places", []):
        change = place.get("pending")
        if change:
            expected_by = _to_date(change["expected_by"])
            if expected_by < today:
                days = (today - expected_by).days
                report.pending_past_due.append(
                    PendingFinding(
                        place["name"],
                        ccas.get(change["cca"], change["cca"]),
                        str(change["expected"]),
                        expected_by,
                        days,
                        days > grace_days,
                    )
                )
        for svc in place.get("services", []):
            if (svc.get("valid_from") or svc.get("valid_to")) and not svc.get("sources"):
                report.periods_without_source.append(f"place {place['name']} ({svc['status']})")
    for item in responsibilities.get("guidance", []):
        if item.get("kind") == "period" and not item.get("sources"):
            report.periods_without_source.append(f"guidance {item['key']}")
    cutoff = months_before(today, months)
    for fact, sources, source_date in _facts(role_table, responsibilities):
        newest = newest_date(sources, source_date)
        if newest is None:
            report.undated.append(fact)
        elif newest < cutoff:
            report.stale.append(StaleFinding(fact, newest))
    return report


def format_report(report: Report, limit: int = 0) -> str:
    """Plain text, failing items first; ``limit`` > 0 shortens the long lists."""

    def shown(items: List[str]) -> List[str]:
        if limit and len(items) > limit:
            return items[:limit] + [f"  ... and {len(items) - limit} more"]
        return items

    lines = [f"facts check as of {report.today.isoformat()} (stale = newest source older than {report.months} months)"]
    lines.append(f"pending changes past their expected date: {len(report.pending_past_due)}")
    for p in report.pending_past_due:
        flag = "FAIL" if p.failing else "warn"
        lines.append(
            f"  {flag} {p.place}: joining {p.cca}, expected {p.expected} (by {p.expected_by.isoformat()}), "
            f"{p.days_past} days past"
        )
    lines.append(f"dated periods without a source: {len(report.periods_without_source)}")
    lines += shown([f"  {x}" for x in report.periods_without_source])
    lines.append(f"facts whose newest source is older than {report.months} months: {len(report.stale)}")
    lines += shown([f"  {s.fact}: newest {s.newest.isoformat() if s.newest else '-'}" for s in report.stale])
    lines.append(f"facts without a dated source: {len(report.undated)}")
    lines += shown([f"  {x}" for x in report.undated])
    if report.failing:
        names = ", ".join(p.place for p in report.failing)
        lines.append(f"FAILED: pending change more than {GRACE_DAYS} days past its expected date: {names}")
    else:
        lines.append("ok: no pending change is more than 90 days past its expected date")
    return "\n".join(lines)
