"""Routing evaluation: drive each case through the whole running assistant and score the slots.

Each case is a new conversation over the REST channel, exactly as a customer's message travels:
the trained NLU and policies, the custom actions over HTTP and the role table. When the
assistant asks for the service city and the case has one, it is given as the next message.
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.config import PROJECT_ROOT
from tooling.rest_client import RasaClient

TOPIC_SLOT, PARTY_SLOT, CCA_SLOT = "inquiry_topic", "responsible_party", "cca"


@dataclass(frozen=True)
class Case:
    text: str
    topic: str
    party: str
    cca: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class Outcome:
    case: Case
    topic: str
    party: str
    cca: str | None
    asked_city: bool
    replies: List[str]

    @property
    def topic_ok(self) -> bool:
        return self.topic == self.case.topic

    @property
    def party_ok(self) -> bool:
        return self.party == self.case.party

    def cca_ok(self, same_cca: Any) -> bool:
        if self.case.cca is None:
            return True
        return self.cca is not None and bool(same_cca(self.case.cca, self.cca))


def load_cases(path: Path) -> List[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of cases")
    cases = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not {"text", "topic", "party"} <= set(item):
            raise ValueError(f"{path}: case {i + 1} needs text, topic and party")
        cases.append(Case(str(item["text"]), str(item["topic"]), str(item["party"]), item.get("cca"), item.get("city")))
    return cases


def run_case(client: RasaClient, case: Case) -> Outcome:
    sender = f"eval-{uuid.uuid4().hex[:12]}"
    replies = [m.get("text", "") for m in client.send(sender, case.text)]
    tracker = client.tracker(sender)
    asked = (tracker.get("active_loop") or {}).get("name") == "city_form"
    if asked and case.city:
        replies += [m.get("text", "") for m in client.send(sender, case.city)]
        tracker = client.tracker(sender)
    slots = tracker.get("slots", {})
    return Outcome(
        case, slots.get(TOPIC_SLOT) or "none", slots.get(PARTY_SLOT) or "none", slots.get(CCA_SLOT), asked, replies
    )


def _same_cca_factory() -> Any:
    from bot.places import resolve_cca

    def same(expected: str, predicted: str) -> bool:
        a, b = resolve_cca(expected), resolve_cca(predicted)
        return a is not None and b is not None and a.key == b.key

    return same


def score(outcomes: List[Outcome]) -> Dict[str, Any]:
    same_cca = _same_cca_factory()
    per_topic: Dict[str, Counter] = defaultdict(Counter)
    confusion: Dict[str, Counter] = defaultdict(Counter)
    misses = []
    for o in outcomes:
        t = per_topic[o.case.topic]
        t["n"] += 1
        t["topic"] += o.topic_ok
        t["party"] += o.party_ok
        if o.case.cca:
            t["cca_n"] += 1
            t["cca"] += o.cca_ok(same_cca)
        confusion[o.case.topic][o.topic] += 1
        if not (o.topic_ok and o.party_ok and o.cca_ok(same_cca)):
            misses.append(
                {
                    "text": o.case.text,
                    "city": o.case.city,
                    "expected": [o.case.topic, o.case.party, o.case.cca],
                    "got": [o.topic, o.party, o.cca],
                    "asked_city": o.asked_city,
                    "replies": o.replies,
                }
            )
    n = len(outcomes) or 1
    cca_n = sum(t["cca_n"] for t in per_topic.values())
    return {
        "cases": len(outcomes),
        "topic_accuracy": sum(o.topic_ok for o in outcomes) / n,
        "party_accuracy": sum(o.party_ok for o in outcomes) / n,
        "cca_accuracy": (sum(t["cca"] for t in per_topic.values()) / cca_n) if cca_n else None,
        "per_topic": {
            k: {
                "cases": v["n"],
                "topic": v["topic"] / v["n"],
                "party": v["party"] / v["n"],
                "cca": (v["cca"] / v["cca_n"]) if v["cca_n"] else None,
            }
            for k, v in sorted(per_topic.items())
        },
        "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        "misses": misses,
    }


def print_report(report: Dict[str, Any]) -> None:
    pct = lambda x: "  -  " if x is None else f"{100 * x:5.1f}%"  # noqa: E731
    print(
        f"cases: {report['cases']}   topic {pct(report['topic_accuracy'])}   party {pct(report['party_accuracy'])}"
        f"   cca {pct(report['cca_accuracy'])}"
    )
    print(f"\n{'topic':<14}{'cases':>6}{'topic':>8}{'party':>8}{'cca':>8}")
    for name, row in report["per_topic"].items():
        print(f"{name:<14}{row['cases']:>6}{pct(row['topic']):>8}{pct(row['party']):>8}{pct(row['cca']):>8}")
    labels = sorted({p for row in report["confusion"].values() for p in row} | set(report["confusion"]))
    print("\nconfusion (rows: expected topic, columns: predicted)")
    print(" " * 14 + "".join(f"{lab[:9]:>10}" for lab in labels))
    for exp, row in report["confusion"].items():
        print(f"{exp:<14}" + "".join(f"{row.get(lab, 0):>10}" for lab in labels))
    print(f"\nmisses: {len(report['misses'])}")
    for m in report["misses"]:
        print(f"- {m['text']!r} (city {m['city']}): expected {m['expected']}, got {m['got']}")


def evaluate(client: RasaClient, cases: List[Case]) -> Dict[str, Any]:
    return score([run_case(client, c) for c in cases])


def main(args: argparse.Namespace) -> int:
    cases = load_cases(Path(args.cases))
    if args.url:
        import os

        report = evaluate(RasaClient(args.url, os.environ.get("RASA_AUTH_TOKEN")), cases)
    else:
        from tooling.servers import running_stack

        with running_stack(PROJECT_ROOT / "var" / "eval-logs") as stack:
            report = evaluate(RasaClient(stack.url, stack.token), cases)
    print_report(report)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"\nwritten to {out}")
    return 0


__all__ = ["Case", "Outcome", "load_cases", "run_case", "score", "evaluate", "main", "asdict"]
