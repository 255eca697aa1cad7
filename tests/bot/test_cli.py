"""``python -m bot`` as a user runs it: a subprocess against a seeded database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Sequence, Tuple

import pytest
import yaml

from bot import config

CPA = "Clean Power Alliance of Southern California"
SEED = yaml.safe_load((config.SEED_DIR / "role_table.yml").read_text(encoding="utf-8"))


def run_cli(args: List[str], database_url: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["DATABASE_URL"] = database_url
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=config.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def route_json(url: str, *args: str) -> dict:
    proc = run_cli(["route", *args], url)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def assert_clean_error(proc: subprocess.CompletedProcess) -> str:
    """Non-zero exit, nothing on stdout, exactly one ``error:`` line on stderr, no traceback."""
    assert proc.returncode != 0
    # A traceback starts a line; the echoed input may contain the word itself.
    assert not any(line.startswith("Traceback") for line in (proc.stderr + proc.stdout).splitlines())
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert len(lines[0]) < 400  # the offending input is not echoed back in full
    return lines[0]


# --- answers ------------------------------------------------------------------------------------


def test_generation_in_santa_monica_names_cpa_and_its_phone(seeded_url):
    out = route_json(seeded_url, "--topic", "generation", "--city", "Santa Monica")
    assert out["party"] == "CCA" and out["customer"] == "cca" and out["place"] == "Santa Monica"
    assert out["primary"]["name"] == CPA and out["cca"] == CPA
    assert out["primary"]["contact"]["phone"] == "1-888-585-3788"
    assert CPA in out["answer"] and "1-888-585-3788" in out["answer"]


def test_generation_in_huntington_beach_is_sce_bundled(seeded_url):
    out = route_json(seeded_url, "--topic", "generation", "--city", "Huntington Beach")
    assert out["party"] == "SCE" and out["customer"] == "bundled"
    assert out["primary"]["name"] == "Southern California Edison"
    assert "1-800-655-4555" in out["answer"]
    assert any("Orange County Power Authority" in note for note in out["notes"])


def test_generation_in_pasadena_is_not_sce(seeded_url):
    out = route_json(seeded_url, "--topic", "generation", "--city", "Pasadena")
    assert out["party"] is None and out["customer"] == "other_utility"
    assert out["primary"]["party"] == "UTILITY" and out["delivering_utility"] == out["primary"]["name"]
    assert "not SCE, serves Pasadena" in out["answer"]


def test_outage_in_orcutt_is_pge_and_generation_3ce(seeded_url):
    outage = route_json(seeded_url, "--topic", "outage", "--city", "Orcutt")
    assert outage["party"] is None and outage["primary"]["name"] == "Pacific Gas and Electric Company"
    assert outage["answer"].startswith("PG&E, not SCE, serves Orcutt")
    generation = route_json(seeded_url, "--topic", "generation", "--city", "Orcutt")
    assert generation["party"] == "CCA" and generation["cca"] == "Central Coast Community Energy"


def test_route_with_a_subtopic_and_a_zip_code(seeded_url):
    out = route_json(seeded_url, "--topic", "billing", "--subtopic", "assistance_programs", "--city", "90401")
    assert out["subtopic"] == "assistance_programs" and out["place"] == "Santa Monica" and out["party"] == "SCE"
    assert "1-800-798-5723" in out["answer"]


def test_route_by_cca(seeded_url):
    out = route_json(seeded_url, "--topic", "enrollment", "--cca", "Desert Community Energy")
    assert out["party"] == "CCA" and out["primary"]["name"] == "Desert Community Energy"
    assert "1-855-357-9240" in out["answer"]


def test_places_for_ocpa_lists_its_cities(seeded_url):
    proc = run_cli(["places", "--cca", "OCPA"], seeded_url)
    assert proc.returncode == 0, proc.stderr
    rows = {row["place"]: row for row in json.loads(proc.stdout)}
    for city in ("Irvine", "Fullerton", "Buena Park"):
        assert rows[city]["status"] == "cca" and rows[city]["provider"] == "Orange County Power Authority"
    assert "Huntington Beach" not in rows and "Santa Monica" not in rows


def test_places_without_a_cca_lists_every_place(seeded_sqlite_url):
    proc = run_cli(["places"], seeded_sqlite_url)
    assert proc.returncode == 0, proc.stderr
    rows = {row["place"]: row for row in json.loads(proc.stdout)}
    assert rows["Pasadena"]["status"] == "other_utility"
    assert rows["Norco"] == {
        "place": "Norco",
        "county": "Riverside",
        "status": "bundled",
        "provider": "Southern California Edison",
    }
    assert rows["La Cañada Flintridge"]["provider"] == CPA  # printed as UTF-8, not escaped


def test_places_reports_a_pending_city_as_sce_joining_its_cca(seeded_sqlite_url):
    proc = run_cli(["places", "--cca", "OCPA", "--details"], seeded_sqlite_url)
    assert proc.returncode == 0, proc.stderr
    rows = {row["place"]: row for row in json.loads(proc.stdout)}
    assert rows["Fountain Valley"]["status"] == "pending_cca"
    assert rows["Fountain Valley"]["provider"] == "Southern California Edison (joining Orange County Power Authority)"
    assert rows["Irvine"]["delivered_by"] == "Southern California Edison"


def test_places_details_name_the_delivering_utility(seeded_sqlite_url):
    proc = run_cli(["places", "--details"], seeded_sqlite_url)
    assert proc.returncode == 0, proc.stderr
    rows = {row["place"]: row for row in json.loads(proc.stdout)}
    assert rows["Orcutt"]["provider"] == "Central Coast Community Energy"
    assert rows["Orcutt"]["delivered_by"] == "Pacific Gas and Electric Company"
    assert rows["Los Alamos"]["confidence"] == "probable"
    assert rows["Indian Wells"]["also_delivered_by"] == "Imperial Irrigation District"


# --- bad input ----------------------------------------------------------------------------------

BAD: List[Tuple[str, List[str], str]] = [
    ("unknown-topic", ["route", "--topic", "weather", "--city", "Irvine"], "unknown topic"),
    ("empty-topic", ["route", "--topic", "", "--city", "Irvine"], "unknown topic"),
    ("empty-city", ["route", "--topic", "generation", "--city", ""], "city is empty"),
    ("blank-city", ["route", "--topic", "generation", "--city", "   "], "city is empty"),
    ("10KB-city", ["route", "--topic", "generation", "--city", "x" * 10_240], "characters long"),
    ("unknown-city", ["route", "--topic", "generation", "--city", "Springfield"], "Springfield"),
    ("misspelt-city", ["route", "--topic", "generation", "--city", "santa monca"], "Did you mean Santa Monica?"),
    ("county-alone", ["route", "--topic", "generation", "--city", "Orange County"], "Which city or community"),
    ("unknown-subtopic", ["route", "--topic", "billing", "--subtopic", "trees"], "unknown subtopic"),
    ("injection-city", ["route", "--topic", "generation", "--city", "'; DROP TABLE places;--"], "couldn't find"),
    ("template-city", ["route", "--topic", "generation", "--city", "{{7*7}} <script>"], "couldn't find"),
    ("unknown-cca", ["route", "--topic", "generation", "--cca", "Acme Power"], "no CCA called"),
    ("empty-cca", ["route", "--topic", "generation", "--cca", ""], "cca is empty"),
    ("places-unknown-cca", ["places", "--cca", "Acme Power"], "no CCA called"),
]
CONTROL_CITIES = ["Springfield\nTraceback (most recent call last):", "Springfield\rerror: forged", "Atlantis\x1b[2J"]


def _run_all(invocations: Sequence[List[str]], url: str) -> List[subprocess.CompletedProcess]:
    """Run independent CLI calls side by side; each is mostly interpreter start-up."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda args: run_cli(args, url), invocations))


@pytest.fixture(scope="module")
def bad_input_results(seeded_sqlite_url) -> Dict[str, subprocess.CompletedProcess]:
    invocations = {name: args for name, args, _ in BAD}
    invocations.update(
        {f"control-{i}": ["route", "--topic", "generation", "--city", city] for i, city in enumerate(CONTROL_CITIES)}
    )
    return dict(zip(invocations, _run_all(list(invocations.values()), seeded_sqlite_url), strict=True))


@pytest.mark.parametrize("name,message", [(name, message) for name, _, message in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_one_line_error(bad_input_results, name, message):
    line = assert_clean_error(bad_input_results[name])
    assert message in line


@pytest.mark.parametrize("index", range(len(CONTROL_CITIES)), ids=["newline", "carriage-return", "ansi-escape"])
def test_control_characters_in_the_city_do_not_break_the_error_line(bad_input_results, index):
    proc = bad_input_results[f"control-{index}"]
    assert_clean_error(proc)
    assert "\x1b" not in proc.stderr and "\r" not in proc.stderr


def test_unavailable_database_is_a_clean_error(tmp_path):
    proc = run_cli(["route", "--topic", "generation", "--city", "Irvine"], f"sqlite:///{tmp_path / 'empty.db'}")
    line = assert_clean_error(proc)
    assert "unavailable" in line


# --- db seed ------------------------------------------------------------------------------------


def test_db_seed_creates_the_role_table_and_can_be_rerun(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for _ in range(2):
        proc = run_cli(["db", "seed"], url)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["seeded"]["parties"] == len(SEED["parties"])
    out = route_json(url, "--topic", "generation", "--city", "Santa Monica")
    assert out["primary"]["name"] == CPA


# --- facts check --------------------------------------------------------------------------------


def test_facts_check_passes_on_the_seed_as_of_its_date():
    proc = run_cli(["facts", "check", "--today", "2026-11-30", "--limit", "3"], "sqlite://")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pending changes past their expected date: 0" in proc.stdout
    assert "ok: no pending change" in proc.stdout


def test_facts_check_fails_naming_a_pending_change_long_past_due(seed_copy):
    def edit(data):
        fv = next(p for p in data["places"] if p["name"] == "Fountain Valley")
        fv["pending"]["expected_by"] = "2026-01-31"
        return data

    seed_dir = seed_copy(edit)
    proc = run_cli(["facts", "check", "--today", "2026-11-30", "--seed-dir", str(seed_dir)], "sqlite://")
    assert proc.returncode == 1
    assert "FAIL Fountain Valley: joining OCPA, expected late 2026 (by 2026-01-31), 303 days past" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].endswith("Fountain Valley")


@pytest.mark.parametrize("args,message", [(["--months", "0"], "--months"), (["--today", "soon"], "--today")])
def test_facts_check_bad_arguments_are_one_line_errors(args, message):
    line = assert_clean_error(run_cli(["facts", "check", *args], "sqlite://"))
    assert message in line
