"""The operators' report on a seeded log, against counts computed independently here."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from typing import Dict, Iterator, List, Tuple
from zoneinfo import ZoneInfo

import pytest

from bot import cli, db, report
from bot.handoff import record_event
from bot.handoff.models import ConversationEvent, ensure_schema, forget_schema
from bot.models import Base, Inquiry

LA = ZoneInfo("America/Los_Angeles")
START, END = dt.date(2026, 10, 28), dt.date(2026, 11, 6)  # spans the end of daylight saving (Nov 1)
ROUTES: List[Tuple[str | None, str | None, str | None, str | None]] = [
    ("billing", "SCE", None, "Irvine"),
    ("billing", "SCE", "Orange County Power Authority", "Irvine"),
    ("outage", "SCE", None, None),
    ("generation", "CCA", "Clean Power Alliance of Southern California", "Santa Monica"),
    ("enrollment", "CCA", "Desert Community Energy", "Palm Springs"),
    ("transmission", "CAISO", None, None),
    ("become_cca", "CPUC", None, "Norco"),
    ("outage", None, None, "Pasadena"),
]
KINDS = ["fallback", "unknown_place", "clarification", "human_request", "handoff"]

Record = Tuple[dt.datetime, str, str | None, str | None, str | None, str | None]  # when, kind, topic, party, cca, place


def seeded_log(seed: int = 7) -> List[Record]:
    rng = random.Random(seed)
    records: List[Record] = []
    first = dt.datetime(2026, 10, 26, tzinfo=dt.timezone.utc)
    for _ in range(400):
        when = first + dt.timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        if rng.random() < 0.7:
            topic, party, cca, place = rng.choice(ROUTES)
            records.append((when, "inquiry", topic, party, cca, place))
        else:
            kind = rng.choice(KINDS)
            topic, party, cca, place = rng.choice(ROUTES) if kind != "fallback" else (None, None, None, None)
            records.append((when, kind, topic, party, cca, place))
    # Edges: 07:30 UTC on Nov 3 is 23:30 on Nov 2 in Los Angeles; both ends of the range.
    records.append((dt.datetime(2026, 11, 3, 7, 30, tzinfo=dt.timezone.utc), "inquiry", *ROUTES[0]))
    records.append((dt.datetime(2026, 10, 28, 7, 0, tzinfo=dt.timezone.utc), "inquiry", *ROUTES[2]))  # 00:00 PDT
    records.append((dt.datetime(2026, 10, 28, 6, 59, tzinfo=dt.timezone.utc), "fallback", None, None, None, None))
    records.append((dt.datetime(2026, 11, 7, 7, 59, tzinfo=dt.timezone.utc), "handoff", *ROUTES[3]))  # 23:59 PST
    records.append((dt.datetime(2026, 11, 7, 8, 0, tzinfo=dt.timezone.utc), "inquiry", *ROUTES[3]))  # Nov 7: out
    return records


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log_db(request, monkeypatch) -> Iterator[List[Record]]:
    url = request.getfixturevalue(f"{request.param}_url")
    db.reset()
    forget_schema()
    monkeypatch.setenv("DATABASE_URL", url)
    engine = ensure_schema()
    Base.metadata.create_all(engine, tables=[Base.metadata.tables["inquiries"]])
    records = seeded_log()
    with db.session_factory().begin() as session:
        for index, (when, kind, topic, party, cca, place) in enumerate(records):
            channel = ("rest", "socketio", "slack")[index % 3]
            if kind == "inquiry":
                assert topic is not None
                session.add(
                    Inquiry(
                        conversation_id=f"c{index}",
                        channel=channel,
                        topic=topic,
                        party=party,
                        cca=cca,
                        place=place,
                        confidence=0.9,
                        created_at=when,
                    )
                )
            else:
                session.add(
                    ConversationEvent(
                        conversation_id=f"c{index}",
                        channel=channel,
                        kind=kind,
                        topic=topic,
                        party=party,
                        cca=cca,
                        place=place,
                        created_at=when,
                    )
                )
    yield records
    db.reset()
    forget_schema()


def expected(records: List[Record]) -> Dict[str, Counter]:
    """The counts, straight from the records: local day by hand, no code under test."""
    out: Dict[str, Counter] = {name: Counter() for name in ("kind", "day", "topic", "party", "cca", "place")}
    for when, kind, topic, party, cca, place in records:
        local = when.astimezone(LA).date()
        if not START <= local <= END:
            continue
        out["kind"][kind] += 1
        out["day"][(local, kind)] += 1
        if kind == "inquiry":
            out["day"][(local, party or "none")] += 1
            out["topic"][topic or "(none)"] += 1
            out["party"][party or "none"] += 1
            out["cca"][cca or "(none)"] += 1
            out["place"][place or "(none)"] += 1
    return out


def test_report_counts_match_the_seeded_log(log_db):
    want = expected(log_db)
    got = report.build(START, END)
    assert got.inquiries == want["kind"]["inquiry"]
    for kind in KINDS:
        assert got.events(kind) == want["kind"][kind], kind
    questions = want["kind"]["inquiry"] + want["kind"]["fallback"]
    assert got.questions == questions
    assert got.share("fallback") == pytest.approx(want["kind"]["fallback"] / questions)
    assert got.share("handoff") == pytest.approx(want["kind"]["handoff"] / questions)
    assert got.share("unknown_place") == pytest.approx(want["kind"]["unknown_place"] / questions)
    assert got.share("clarification") == pytest.approx(want["kind"]["clarification"] / questions)
    for what in ("topic", "party", "cca", "place"):
        assert dict(got.inquiries_by(what)) == dict(want[what]), what
    by_day = got.by_day()
    assert list(by_day) == [START + dt.timedelta(days=i) for i in range(10)]
    for day, counts in by_day.items():
        for key in ["inquiry", *KINDS, "SCE", "CCA", "CAISO", "CPUC", "none"]:
            assert counts[key] == want["day"][(day, key)], (day, key)
    assert by_day[dt.date(2026, 11, 2)]["inquiry"] >= 1  # the 23:30 edge case lands on Nov 2


def test_report_text_csv_and_chart(log_db, tmp_path, capsys):
    want = expected(log_db)
    rows_file, chart = tmp_path / "rows.csv", tmp_path / "daily.png"
    code = cli.main(["report", "--from", str(START), "--to", str(END), "--csv", str(rows_file), "--chart", str(chart)])
    assert code == 0
    out = capsys.readouterr().out
    questions = want["kind"]["inquiry"] + want["kind"]["fallback"]
    assert f"Customer questions: {questions} " in out
    share = 100 * want["kind"]["fallback"] / questions
    line = next(line for line in out.splitlines() if line.startswith("  fallbacks"))
    assert line.split() == ["fallbacks", str(want["kind"]["fallback"]), f"{share:.1f}", "%"]
    for section in ("By day", "By topic", "By party", "By CCA", "By place"):
        assert section in out
    assert "Clean Power Alliance of Southern California" in out and "Palm Springs" in out
    with rows_file.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["date", "kind", "topic", "party", "cca", "place", "channel", "count"]
    counted: Counter = Counter()
    for row in rows:
        counted[row["kind"]] += int(row["count"])
        assert START <= dt.date.fromisoformat(row["date"]) <= END
    assert counted == want["kind"]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 5000


def test_report_rejects_bad_ranges(log_db, capsys):
    assert cli.main(["report", "--from", "2026-11-06", "--to", "2026-11-01"]) == 2
    assert "before" in capsys.readouterr().err
    assert cli.main(["report", "--from", "2026-11-01", "--to", "2026-11-02", "--tz", "Mars/Olympus"]) == 2
    with pytest.raises(SystemExit):
        cli.main(["report", "--from", "yesterday"])


def test_an_empty_range_reports_zero(log_db, tmp_path, capsys):
    assert cli.main(["report", "--from", "2020-01-01", "--to", "2020-01-03", "--chart", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert "Customer questions: 0 " in out and (tmp_path / "c.png").exists()


def test_record_event_stores_only_routing_facts(log_db):
    assert record_event("conv-1", "slack", "unknown_place", topic="generation")
    assert record_event("conv-1", None, "clarification")
    assert not record_event("conv-1", "rest", "no_such_kind")
    with db.session_factory().begin() as session:
        rows = session.query(ConversationEvent).filter(ConversationEvent.conversation_id == "conv-1").all()
        assert sorted((r.kind, r.channel, r.topic) for r in rows) == [
            ("clarification", "unknown", None),
            ("unknown_place", "slack", "generation"),
        ]
    columns = set(Base.metadata.tables["conversation_events"].columns.keys())
    assert columns == {"id", "conversation_id", "channel", "kind", "topic", "party", "cca", "place", "created_at"}


def test_record_event_never_raises_when_the_database_is_down(monkeypatch, tmp_path):
    db.reset()
    forget_schema()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        assert record_event("conv", "rest", "fallback") is False
    finally:
        db.reset()
        forget_schema()
