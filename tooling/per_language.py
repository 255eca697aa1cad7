"""One NLU model per language, or one bilingual model: train, serve and evaluate both set-ups.

Everything is built in a scratch directory (its own role-table database, Rasa cache, models, logs):

* an English model trained on ``data/nlu/*.yml`` only, a Spanish one on ``data/nlu/es/*.yml`` only (the
  same ``config.yml`` with ``language: es`` and SpacyNLP ``lang: es``), and the bilingual model on both
  (or an existing archive given with ``--bilingual-model``); rules, hand-off rules and domain are shared;
* each is served by the real stack (:func:`tooling.servers.running_stack`) and scored by the routing
  evaluation (:mod:`tooling.evaluation`) on the held-out cases ``eval/heldout_en.yml`` and
  ``eval/heldout_es.yml``: bilingual on both, each per-language model on its own language, each on the
  other language (what a wrong language guess costs), and the per-language pair behind a router that
  picks the server with :func:`bot.language.detect` on the first message (English when undecided).

Run: ``python -m tooling.per_language [--work-dir DIR] [--bilingual-model PATH] [--quiet]``
(``make per-language``). Three trainings and four servers: about 15 minutes on two cores.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml

from bot.config import EVAL_DIR, PROJECT_ROOT
from bot.language import DEFAULT, Language, detect
from tooling.evaluation import evaluate_files
from tooling.rest_client import RasaClient
from tooling.servers import VENV_BIN, base_env, running_stack

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
SHARED_DATA = (PROJECT_ROOT / "data" / "rules.yml", PROJECT_ROOT / "data" / "handoff.yml")
CASES = {"en": EVAL_DIR / "heldout_en.yml", "es": EVAL_DIR / "heldout_es.yml"}
# Short and mixed-language (Spanglish) messages, written for this comparison (not held-out cases, never
# trained on): where the language guess is hardest. Each with the intent it should get.
PROBES = (
    ("cable caido!!", "report_hazard"),
    ("se fue la luz", "outage"),
    ("no tengo power", "outage"),
    ("mi bill esta muy alto", "billing"),
    ("el bill de edison", "billing"),
    ("mi factura", "billing"),
    ("opt out porfa", "enrollment"),
    ("quiero hacer opt out de CPA", "enrollment"),
    ("power outage en mi casa", "outage"),
    ("hay flex alert?", "transmission"),
    ("huele a gas", "gas_leak"),
    ("cuando regresa la luz", "outage"),
    ("el autopay fallo", "billing"),
    ("my bill subio mucho", "billing"),
)


@dataclass
class TrainedModel:
    """A model archive and what it took to build it."""

    name: str
    path: Path
    examples: int
    train_seconds: float | None = None
    rss_mb: float | None = None

    @property
    def size_mb(self) -> float:
        return self.path.stat().st_size / 2**20


@dataclass
class Result:
    """One model (or routed pair of models) on one case file."""

    setup: str
    cases: str
    report: Dict[str, Any] = field(default_factory=dict)


def nlu_files(language: str) -> List[Path]:
    """The NLU training files of ``language``: ``en``, ``es``, or ``bilingual`` (both).

    Args:
        language: ``en`` (``data/nlu/*.yml``), ``es`` (``data/nlu/es/*.yml``) or ``bilingual``.

    Returns:
        The files, sorted.
    """
    english = sorted(NLU_DIR.glob("*.yml"))
    spanish = sorted((NLU_DIR / "es").glob("*.yml"))
    return {"en": english, "es": spanish, "bilingual": english + spanish}[language]


def count_examples(files: Sequence[Path]) -> int:
    """Number of NLU examples (``- `` lines of ``examples`` blocks) in ``files``."""
    total = 0
    for path in files:
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            lines = str(item.get("examples") or "").splitlines()
            total += sum(line.strip().startswith("- ") for line in lines)
    return total


def write_config(language: str, path: Path) -> Path:
    """``config.yml`` for ``language``: the top-level ``language`` and SpacyNLP's ``lang``, nothing else.

    Args:
        language: ``en`` or ``es``.
        path: Where the configuration is written.

    Returns:
        ``path``.
    """
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    config["language"] = language
    for component in config["pipeline"]:
        if str(component["name"]).rsplit(".", 1)[-1] == "SpacyNLP":
            component["lang"] = language
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def run_logged(command: List[str], env: Dict[str, str], log: Path) -> None:
    """Run ``command`` from the project root with its output in ``log``.

    Raises:
        RuntimeError: The command failed (the log's tail is in the message).
    """
    with log.open("wb") as out:
        status = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    if status != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:])
        raise RuntimeError(f"{' '.join(command[:3])} failed with {status} (log {log}):\n{tail}")


def train(name: str, language: str, work: Path, env: Dict[str, str]) -> TrainedModel:
    """Train one model with ``rasa train`` into ``work/models/<name>.tar.gz`` (its own Rasa cache).

    Args:
        name: Model name (``en``, ``es``, ``bilingual``).
        language: ``en``, ``es`` or ``bilingual`` (the bilingual model keeps ``config.yml`` as it is).
        work: The scratch directory.
        env: Environment of the run (the scratch role-table database).

    Returns:
        The trained model with its training time.
    """
    files = nlu_files(language)
    config = (
        PROJECT_ROOT / "config.yml" if language == "bilingual" else write_config(language, work / f"config-{name}.yml")
    )
    command = [
        str(VENV_BIN / "rasa"),
        "train",
        "--data",
        *map(str, [*files, *SHARED_DATA]),
        "--config",
        str(config),
        "--domain",
        str(PROJECT_ROOT / "domain.yml"),
        "--out",
        str(work / "models"),
        "--fixed-model-name",
        name,
    ]
    examples = count_examples(files)
    print(f"== training {name} ({examples} examples)...", flush=True)
    start = time.monotonic()
    run_logged(command, {**env, "RASA_CACHE_DIRECTORY": str(work / f"cache-{name}")}, work / f"train-{name}.log")
    seconds = time.monotonic() - start
    print(f"== {name} trained in {seconds:.0f}s", flush=True)
    return TrainedModel(name, work / "models" / f"{name}.tar.gz", examples, seconds)


class LanguageRouter(RasaClient):
    """Per-language deployment: one server per language, chosen on a conversation's first message.

    The first message goes through :func:`bot.language.detect`; an undecided message goes to the default
    language's server (English), and the conversation stays on that server.
    """

    def __init__(self, clients: Dict[Language, RasaClient]) -> None:
        super().__init__(clients[DEFAULT].url, clients[DEFAULT].token)
        self.clients = clients
        self.chosen: Dict[str, Language] = {}

    def _client(self, sender: str, text: str | None = None) -> RasaClient:
        if sender not in self.chosen:
            self.chosen[sender] = (detect(text or "") or DEFAULT) if text is not None else DEFAULT
        return self.clients[self.chosen[sender]]

    def send(self, sender: str, text: str) -> List[Dict[str, Any]]:
        return self._client(sender, text).send(sender, text)

    def tracker(self, sender: str) -> Dict[str, Any]:
        return self._client(sender).tracker(sender)


def evaluate(setup: str, client: RasaClient, languages: Sequence[str], out_dir: Path, quiet: bool) -> List[Result]:
    """Score ``client`` on the held-out cases of ``languages`` with :func:`tooling.evaluation.evaluate_files`.

    Args:
        setup: Name of the set-up, e.g. ``bilingual`` or ``en model``.
        client: The server (or router) to talk to.
        languages: Keys of :data:`CASES`.
        out_dir: ``eval_<cases>.json`` and the confusion PNG go into ``out_dir/<setup>``.
        quiet: Do not print the full reports.

    Returns:
        One result per case file.
    """
    print(f"== evaluating {setup} on {', '.join(CASES[lang].name for lang in languages)}", flush=True)
    target = out_dir / re.sub(r"[^a-z0-9]+", "_", setup.lower()).strip("_")
    sink = io.StringIO() if quiet else sys.stdout
    with contextlib.redirect_stdout(sink):
        reports = evaluate_files(client, [CASES[lang] for lang in languages], target)
    return [Result(setup, name, report) for name, report in reports.items()]


def parse_intents(client: RasaClient, texts: Sequence[str]) -> List[str]:
    """The intent the server's NLU gives each text (``/model/parse``; ``nlu_fallback`` means "asks")."""
    intents = []
    for text in texts:
        response = client.session.post(
            f"{client.url}/model/parse", params={"token": client.token}, json={"text": text}, timeout=client.timeout
        )
        response.raise_for_status()
        intents.append(str((response.json().get("intent") or {}).get("name")))
    return intents


def print_probes(intents: Dict[str, List[str]]) -> None:
    """The probe messages with each set-up's intent, and how many each gets right."""
    names = list(intents)
    print("\n=== Short and mixed-language probes (intent; nlu_fallback = a clarifying question)")
    print(f"{'message':<30}{'detect':>7}  {'expected':<14}" + "".join(f"{n:<16}" for n in names))
    for i, (text, want) in enumerate(PROBES):
        guess = detect(text)
        cells = "".join(f"{intents[n][i] + ('' if intents[n][i] == want else ' x'):<16}" for n in names)
        print(f"{text:<30}{guess.value if guess else '-':>7}  {want:<14}{cells}")
    right = "".join(f"{sum(g == w for g, (_, w) in zip(intents[n], PROBES, strict=True)):<16}" for n in names)
    print(f"{'right':<30}{'':>7}  {len(PROBES):<14}{right}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def print_comparison(results: Sequence[Result], models: Sequence[TrainedModel]) -> None:
    """The comparison table: one row per set-up and case file, then the models' cost."""
    header = ("set-up", "cases", "n", "party", "no click", "topic", "CCA", "clarifying", "OOD given a party", "misses")
    rows = [
        (
            r.setup,
            r.cases,
            str(r.report["cases"]),
            _pct(r.report["party_accuracy"]),
            _pct(r.report["party_accuracy_without_click"]),
            _pct(r.report["topic_accuracy"]),
            _pct(r.report["cca_accuracy"]),
            _pct(r.report["clarification_rate_in_domain"]),
            _pct(r.report["out_of_domain_given_a_party"]),
            str(len(r.report["misses"])),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print("\n=== One model per language vs one bilingual model (held-out cases, whole assistant)")
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print(f"\n{'model':<10}{'examples':>9}{'training':>10}{'archive':>10}{'Rasa RSS':>10}")
    for m in models:
        trained = "-" if m.train_seconds is None else f"{m.train_seconds:.0f}s"
        rss = "-" if m.rss_mb is None else f"{m.rss_mb:.0f} MiB"
        print(f"{m.name:<10}{m.examples:>9}{trained:>10}{m.size_mb:>7.1f} MiB{rss:>10}")


def print_differences(results: Sequence[Result], baseline: str, other: str) -> None:
    """Cases one set-up gets right and the other wrong (topic, party or CCA), per case file."""
    by_key = {(r.setup, r.cases): r.report for r in results}
    for cases in sorted({r.cases for r in results}):
        if (baseline, cases) not in by_key or (other, cases) not in by_key:
            continue
        missed = {m["text"]: m for m in by_key[(baseline, cases)]["misses"]}
        missed_other = {m["text"]: m for m in by_key[(other, cases)]["misses"]}
        print(f"\n--- {cases}: {other} vs {baseline}")
        for label, only, source in (
            (f"right only with {other}", missed.keys() - missed_other.keys(), missed),
            (f"right only with {baseline}", missed_other.keys() - missed.keys(), missed_other),
        ):
            print(f"{label}: {len(only)}")
            for text in sorted(only):
                m = source[text]
                print(f"  - {text!r}: expected {m['expected']}, the other got {m['got']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.per_language", description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=None, help="scratch directory (default: a new temp dir)")
    parser.add_argument(
        "--bilingual-model", type=Path, default=None, help="an existing bilingual archive (default: train one)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the comparison, not every full report")
    args = parser.parse_args(argv)
    if args.bilingual_model is not None and not args.bilingual_model.is_file():
        print(f"error: no such model: {args.bilingual_model}", file=sys.stderr)
        return 2
    work = (args.work_dir or Path(tempfile.mkdtemp(prefix="per-language-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"== working in {work}")
    # Its own role table, so the evaluation's inquiry log does not land in the project's var/.
    env = base_env({"DATABASE_URL": f"sqlite:///{work / 'role_table.db'}", "BOT_VAR_DIR": str(work / "var")})
    run_logged([str(VENV_BIN / "python"), "-m", "bot", "db", "seed"], env, work / "seed.log")
    stack_env = {k: env[k] for k in ("DATABASE_URL", "BOT_VAR_DIR")}

    # One training at a time: two cores.
    models = {name: train(name, name, work, env) for name in ("en", "es")}
    if args.bilingual_model is not None:
        models["bilingual"] = TrainedModel(
            "bilingual", args.bilingual_model.resolve(), count_examples(nlu_files("bilingual"))
        )
    else:
        models["bilingual"] = train("bilingual", "bilingual", work, env)

    results: List[Result] = []
    out_dir = work / "results"
    with running_stack(work / "logs-bilingual", models["bilingual"].path, extra_env=stack_env) as stack:
        results += evaluate("bilingual", RasaClient(stack.url, stack.token), ["en", "es"], out_dir, args.quiet)
        models["bilingual"].rss_mb = stack.rasa[0].rss_mb()
        probe_texts = [text for text, _ in PROBES]
        probes = {"bilingual": parse_intents(RasaClient(stack.url, stack.token), probe_texts)}
    with (
        running_stack(work / "logs-en", models["en"].path, extra_env=stack_env) as en,
        running_stack(work / "logs-es", models["es"].path, extra_env=stack_env) as es,
    ):
        en_client, es_client = RasaClient(en.url, en.token), RasaClient(es.url, es.token)
        results += evaluate("per-language", en_client, ["en"], out_dir, args.quiet)
        results += evaluate("per-language", es_client, ["es"], out_dir, args.quiet)
        router = LanguageRouter({Language.EN: en_client, Language.ES: es_client})
        results += evaluate("per-language + detect", router, ["en", "es"], out_dir, args.quiet)
        results += evaluate("en model (cross)", en_client, ["es"], out_dir, args.quiet)
        results += evaluate("es model (cross)", es_client, ["en"], out_dir, args.quiet)
        probes["en model"] = parse_intents(en_client, probe_texts)
        probes["es model"] = parse_intents(es_client, probe_texts)
        by_language = {Language.EN: probes["en model"], Language.ES: probes["es model"]}
        probes["per-language+detect"] = [by_language[detect(text) or DEFAULT][i] for i, text in enumerate(probe_texts)]
        models["en"].rss_mb, models["es"].rss_mb = en.rasa[0].rss_mb(), es.rasa[0].rss_mb()
        routed = sum(lang == Language.ES for lang in router.chosen.values())
        print(f"== router: {routed} of {len(router.chosen)} conversations sent to the Spanish model")

    print_comparison(results, list(models.values()))
    print_differences(results, "bilingual", "per-language")
    print_differences(results, "bilingual", "per-language + detect")
    print_probes(probes)
    summary = {
        "models": {
            m.name: {"examples": m.examples, "train_seconds": m.train_seconds, "size_mb": m.size_mb, "rss_mb": m.rss_mb}
            for m in models.values()
        },
        "probes": {"messages": [list(p) for p in PROBES], "intents": probes},
        "results": [{"setup": r.setup, "cases": r.cases, **r.report} for r in results],
    }
    (out_dir / "per_language.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten: {out_dir / 'per_language.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
