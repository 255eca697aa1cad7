"""The freshness check of the seed facts (bot.facts, ``python -m bot facts check``)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import facts

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    "source,dates",
    [
        ("https://x.example/a (LA Times, 2013-09-15)", ["2013-09-15"]),
        ("https://x.example/a (IE Business Daily, 2020-04)", ["2020-04-01"]),
        ("https://www.pressenterprise.com/2021/06/16/western-riverside/", ["2021-06-16"]),
        ("https://cacurrent.com/moreno-valley/ (California Current, 2004)", ["2004-01-01"]),
        ("edhat.com, 2024-10: PSPS area", ["2024-10-01"]),
        ("https://anaheim.net/970/Electric-History (City of Anaheim, undated)", []),
        ("https://x.example/article247863605.html", []),
        ("https://x.example/2021/13/40/", []),  # not a date
    ],
)
def test_source_dates(source, dates):
    assert [d.isoformat() for d in facts.source_dates(source)] == dates


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (dt.date(2026, 11, 30), 18, dt.date(2025, 5, 30)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 15), 12, dt.date(2025, 1, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert facts.months_before(day, months) == expected


def test_the_seed_has_no_past_due_pending_change_and_every_period_has_a_source():
    report = facts.check(today=TODAY)
    assert report.exit_code == 0 and report.pending_past_due == [] and report.periods_without_source == []
    stale = {s.fact for s in report.stale}
    assert "place Torrance" in stale  # newest source 2016
    assert "guidance covid_help_today" not in stale and "party sce (Southern California Edison)" not in stale


@pytest.mark.parametrize(
    "today,days,failing,code",
    [
        (dt.date(2027, 1, 1), 1, False, 0),  # just past "late 2026": listed, not failing
        (dt.date(2027, 3, 31), 90, False, 0),  # 90 days: still a warning
        (dt.date(2027, 4, 1), 91, True, 1),  # more than 90 days past: fails
    ],
)
def test_a_pending_change_past_its_date_is_listed_and_fails_after_90_days(today, days, failing, code):
    report = facts.check(today=today)
    fountain = next(p for p in report.pending_past_due if p.place == "Fountain Valley")
    got = (fountain.cca, fountain.expected, fountain.days_past, fountain.failing)
    assert got == ("OCPA", "late 2026", days, failing)
    assert report.exit_code == code
    text = facts.format_report(report)
    assert ("FAIL Fountain Valley" in text) is failing and ("warn Fountain Valley" in text) is not failing


def test_a_seed_copy_with_a_past_due_pending_change_fails_naming_it(seed_copy):
    def edit(data):
        place = next(p for p in data["places"] if p["name"] == "Fillmore")
        place["pending"]["expected_by"] = "2025-06-30"
        return data

    report = facts.check(seed_copy(edit), today=TODAY)
    assert report.exit_code == 1 and [p.place for p in report.failing] == ["Fillmore"]
    assert facts.format_report(report).splitlines()[-1].endswith(": Fillmore")
    assert report.to_dict()["failing"] == ["Fillmore"]


def test_periods_without_a_source_are_listed(seed_copy):
    def edit_places(data):
        norco = next(p for p in data["places"] if p["name"] == "Norco")
        norco["services"][0]["sources"] = []
        return data

    def edit_guidance(data):
        period = next(g for g in data["guidance"] if g["key"] == "covid_relief_period")
        period["sources"] = []
        return data

    report = facts.check(seed_copy(edit_places, edit_guidance), today=TODAY)
    assert report.periods_without_source == ["place Norco (cca)", "guidance covid_relief_period"]
    assert report.exit_code == 0  # listed, not failing


def test_months_sets_what_is_stale_and_undated_facts_are_listed(seed_copy):
    def edit(data):
        torrance = next(p for p in data["places"] if p["name"] == "Torrance")
        torrance["services"][0]["sources"] = ["https://example.org/no-date"]
        torrance["services"][0].pop("source_date", None)
        return data

    seed_dir = seed_copy(edit)
    loose = facts.check(seed_dir, today=TODAY, months=600)
    strict = facts.check(seed_dir, today=TODAY, months=1)
    assert loose.stale == [] and len(strict.stale) > len(loose.stale)
    assert "place Torrance" in loose.undated
