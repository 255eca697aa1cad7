"""Routing evaluation: drive each case through the whole running assistant and score the slots.

Each case is a new conversation over the REST channel, exactly as a customer's message travels:
the trained NLU and policies, the custom actions over HTTP and the role table. When the assistant
asks a clarifying question, the simulated customer clicks the button of the topic the case is
about (accuracy is reported with and without that click). When it asks for the service city and
the case has one, the city is the next message.

Run: ``python -m tooling.evaluation CASES.yml [MORE.yml ...] [--out-dir results] [--url URL]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Tuple

import yaml

from bot.config import PROJECT_ROOT
from bot.slots import Slot
from tooling.rest_client import RasaClient

PARTIES = ("SCE", "CCA", "CAISO", "CPUC", "none")


@dataclass(frozen=True)
class Case:
    """One evaluation case: the customer's first message and what the routing should be."""

    text: str
    topic: str
    party: str
    cca: str | None = None
    city: str | None = None
    style: str | None = None
    lang: str | None = None
    pair: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the assistant did with one case."""

    case: Case
    topic: str
    party: str
    cca: str | None
    asked_city: bool
    replies: List[str]
    clarified: bool = False
    party_before_click: str | None = None
    options: Sequence[str] = field(default_factory=tuple)

    @property
    def topic_ok(self) -> bool:
        return self.topic == self.case.topic

    @property
    def party_ok(self) -> bool:
        return self.party == self.case.party

    @property
    def party_ok_without_click(self) -> bool:
        """A clarifying question left unanswered routes nothing: right only for out-of-scope cases."""
        return (self.party_before_click if self.clarified else self.party) == self.case.party

    def cca_ok(self, same_cca: Callable[[str, str], bool]) -> bool:
        if self.case.cca is None:
            return True
        return self.cca is not None and bool(same_cca(self.case.cca, self.cca))


def load_cases(path: Path) -> List[Case]:
    """Cases from a YAML list of mappings with at least text, topic and party."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of cases")
    cases = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not {"text", "topic", "party"} <= set(item):
            raise ValueError(f"{path}: case {i + 1} needs text, topic and party")
        optional = {k: (str(item[k]) if item.get(k) is not None else None) for k in ("cca", "city", "style", "lang")}
        pair = item.get("pair")
        cases.append(
            Case(
                str(item["text"]),
                str(item["topic"]),
                str(item["party"]),
                pair=str(pair) if pair is not None else None,
                **optional,
            )
        )
    return cases


def _texts(messages: Iterable[Dict[str, Any]]) -> List[str]:
    return [str(m.get("text") or "") for m in messages]


def _topic_buttons(messages: Iterable[Dict[str, Any]]) -> Dict[str, str]:
    """Clarifying buttons: intent name -> payload, for payloads of the form ``/<intent>``."""
    found = {}
    for message in messages:
        for button in message.get("buttons") or []:
            payload = str(button.get("payload") or "")
            if payload.startswith("/") and payload[1:].isidentifier():
                found[payload[1:]] = payload
    return found


def run_case(client: RasaClient, case: Case) -> Outcome:
    """Play one case as a new conversation and read the routing slots from the tracker."""
    sender = f"eval-{uuid.uuid4().hex[:12]}"
    messages = client.send(sender, case.text)
    replies = _texts(messages)
    tracker = client.tracker(sender)
    clarified = tracker.get("slots", {}).get(Slot.CLARIFYING) is True
    before: str | None = None
    options: Tuple[str, ...] = ()
    if clarified:
        buttons = _topic_buttons(messages)
        options = tuple(buttons)
        before = tracker.get("slots", {}).get(Slot.PARTY) or "none"
        # The simulated customer clicks the topic they meant, or "something else".
        choice = buttons.get(case.topic) or buttons.get("out_of_scope")
        if choice:
            replies += _texts(client.send(sender, choice))
            tracker = client.tracker(sender)
    slots = tracker.get("slots", {})
    asked = slots.get("requested_slot") == Slot.CITY
    if asked and case.city:
        replies += _texts(client.send(sender, case.city))
        slots = client.tracker(sender).get("slots", {})
    return Outcome(
        case,
        slots.get(Slot.TOPIC) or "none",
        slots.get(Slot.PARTY) or "none",
        slots.get(Slot.CCA),
        asked,
        replies,
        clarified,
        before,
        options,
    )


def _same_cca_factory() -> Callable[[str, str], bool]:
    from bot.places import resolve_cca

    def same(expected: str, predicted: str) -> bool:
        a, b = resolve_cca(expected), resolve_cca(predicted)
        return a is not None and b is not None and a.key == b.key

    return same


def _prf(expected: List[str], predicted: List[str], labels: Sequence[str]) -> Dict[str, Dict[str, float]]:
    rows = {}
    for label in labels:
        tp = sum(e == p == label for e, p in zip(expected, predicted, strict=True))
        fp = sum(p == label and e != label for e, p in zip(expected, predicted, strict=True))
        fn = sum(e == label and p != label for e, p in zip(expected, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return rows


def score(outcomes: List[Outcome]) -> Dict[str, Any]:
    """Accuracy (with and without the clarifying click), per-party P/R/F1, per topic and style, misses."""
    same_cca = _same_cca_factory()
    per_topic: Dict[str, Counter] = defaultdict(Counter)
    per_style: Dict[str, Counter] = defaultdict(Counter)
    confusion: Dict[str, Counter] = defaultdict(Counter)
    misses = []
    for o in outcomes:
        for bucket in (per_topic[o.case.topic], per_style[o.case.style or "-"]):
            bucket["n"] += 1
            bucket["topic"] += o.topic_ok
            bucket["party"] += o.party_ok
            bucket["clarified"] += o.clarified
            if o.case.cca:
                bucket["cca_n"] += 1
                bucket["cca"] += o.cca_ok(same_cca)
        confusion[o.case.party][o.party] += 1
        if not (o.topic_ok and o.party_ok and o.cca_ok(same_cca)):
            misses.append(
                {
                    "text": o.case.text,
                    "city": o.case.city,
                    "style": o.case.style,
                    "expected": [o.case.topic, o.case.party, o.case.cca],
                    "got": [o.topic, o.party, o.cca],
                    "asked_city": o.asked_city,
                    "clarified": list(o.options) if o.clarified else None,
                    "replies": o.replies,
                }
            )
    n = len(outcomes) or 1
    in_domain = [o for o in outcomes if o.case.topic != "out_of_scope"]
    out_domain = [o for o in outcomes if o.case.topic == "out_of_scope"]
    cca_n = sum(t["cca_n"] for t in per_topic.values())

    def table(groups: Dict[str, Counter]) -> Dict[str, Any]:
        return {
            k: {
                "cases": v["n"],
                "topic": v["topic"] / v["n"],
                "party": v["party"] / v["n"],
                "cca": (v["cca"] / v["cca_n"]) if v["cca_n"] else None,
                "clarified": v["clarified"] / v["n"],
            }
            for k, v in sorted(groups.items())
        }

    return {
        "cases": len(outcomes),
        "topic_accuracy": sum(o.topic_ok for o in outcomes) / n,
        "party_accuracy": sum(o.party_ok for o in outcomes) / n,
        "party_accuracy_without_click": sum(o.party_ok_without_click for o in outcomes) / n,
        "cca_accuracy": (sum(t["cca"] for t in per_topic.values()) / cca_n) if cca_n else None,
        "clarification_rate_in_domain": (sum(o.clarified for o in in_domain) / len(in_domain)) if in_domain else None,
        "out_of_domain_given_a_party": (
            sum(o.party != "none" for o in out_domain) / len(out_domain) if out_domain else None
        ),
        "per_party": _prf([o.case.party for o in outcomes], [o.party for o in outcomes], PARTIES),
        "per_topic": table(per_topic),
        "per_style": table(per_style),
        "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        "misses": misses,
    }


def _pct(x: float | None) -> str:
    return "  -  " if x is None else f"{100 * x:5.1f}%"


def print_report(name: str, report: Dict[str, Any]) -> None:
    print(f"\n=== {name}")
    print(
        f"cases: {report['cases']}   topic {_pct(report['topic_accuracy'])}   party {_pct(report['party_accuracy'])}"
        f" (without the clarifying click {_pct(report['party_accuracy_without_click'])})"
        f"   cca {_pct(report['cca_accuracy'])}"
    )
    print(
        f"clarifying question on {_pct(report['clarification_rate_in_domain'])} of in-domain cases;"
        f" out-of-domain given a party: {_pct(report['out_of_domain_given_a_party'])}"
    )
    if report.get("language_accuracy") is not None:
        print(f"language detected right on {_pct(report['language_accuracy'])} of messages of 3+ words")
    print(f"\n{'party':<8}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}")
    for party, row in report["per_party"].items():
        print(f"{party:<8}{_pct(row['precision']):>10}{_pct(row['recall']):>8}{_pct(row['f1']):>8}{row['support']:>9}")
    for title, key in (("topic", "per_topic"), ("style", "per_style")):
        print(f"\n{title:<14}{'cases':>6}{'topic':>8}{'party':>8}{'cca':>8}{'clarif.':>9}")
        for label, row in report[key].items():
            print(
                f"{label:<14}{row['cases']:>6}{_pct(row['topic']):>8}{_pct(row['party']):>8}"
                f"{_pct(row['cca']):>8}{_pct(row['clarified']):>9}"
            )
    print(f"\nmisses: {len(report['misses'])}")
    for m in report["misses"]:
        extra = f" (city {m['city']})" if m["city"] else ""
        print(f"- {m['text']!r}{extra}: expected {m['expected']}, got {m['got']}")


def write_confusion_png(report: Dict[str, Any], path: Path, title: str) -> Path:
    """Expected-by-predicted party counts as a heat map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(PARTIES)
    grid = [[report["confusion"].get(e, {}).get(p, 0) for p in labels] for e in labels]
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.imshow(grid, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("routed to")
    ax.set_ylabel("expected")
    ax.set_title(title, fontsize=10)
    peak = max(max(row) for row in grid) or 1
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", color="white" if value > peak / 2 else "black")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def language_accuracy(cases: List[Case]) -> float | None:
    """Share of messages of three or more words whose conversation language comes out right.

    A message the detector leaves undecided keeps the conversation's default, English.
    """
    from bot.language import DEFAULT, detect

    long = [c for c in cases if len(c.text.split()) >= 3]
    if not long:
        return None
    right = sum((detect(c.text) or DEFAULT).value == (c.lang or DEFAULT.value) for c in long)
    return right / len(long)


def evaluate(client: RasaClient, cases: List[Case]) -> Dict[str, Any]:
    report = score([run_case(client, c) for c in cases])
    report["language_accuracy"] = language_accuracy(cases)
    return report


def _report_name(path: Path) -> str:
    return "dev" if path.name == "dev_cases.yml" else path.stem


def evaluate_files(client: RasaClient, paths: Sequence[Path], out_dir: Path | None) -> Dict[str, Dict[str, Any]]:
    reports = {}
    for path in paths:
        name = _report_name(path)
        report = evaluate(client, load_cases(path))
        reports[name] = report
        print_report(f"{name} ({path})", report)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"eval_{name}.json").write_text(
                json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
            )
            png = write_confusion_png(report, out_dir / f"eval_{name}_confusion.png", f"{name}: party")
            print(f"written: {out_dir / f'eval_{name}.json'}, {png}")
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.evaluation", description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="+", type=Path, help="case files (YAML)")
    parser.add_argument("--out-dir", type=Path, default=None, help="write eval_<name>.json and a confusion PNG here")
    parser.add_argument("--url", default=None, help="a running Rasa server (default: start servers)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.cases if not p.is_file()]
    if missing:
        print(f"error: no such case file: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.url:
        evaluate_files(RasaClient(args.url, os.environ.get("RASA_AUTH_TOKEN")), args.cases, args.out_dir)
    else:
        from tooling.servers import running_stack

        with running_stack(PROJECT_ROOT / "var" / "eval-logs") as stack:
            evaluate_files(RasaClient(stack.url, stack.token), args.cases, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
