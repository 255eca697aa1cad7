"""Two questions in one message: splitting by cue words (what runs) or classifying each clause (measured).

Every case of ``eval/two_questions.yml`` is one new conversation with the real running stack over the REST
channel, driven as :func:`tooling.evaluation.run_case` drives a routing case (the clarifying button of the
first topic is clicked, the city is given when asked). Four ways of finding the second question are scored
on the same conversations:

* **A, end to end**: what the assistant said. A second answer is a reply that starts with the catalogue's
  ``second_question`` sentence; its topic is read from the ``about.<topic>`` wording of the routed answer
  after it. The first topic is the ``inquiry_topic`` slot.
* **A, splitter**: :func:`bot.cues.second_topic` called directly on the message with the routed first
  topic. It differs from the end-to-end figure only where the dialogue loses the second question.
* **B, classifier per clause**: the message split into clauses as the cues split it (sentence ends, ``;``,
  "and also", "also", "plus", "y también", "además"), each clause parsed by the trained model
  (``/model/parse``); the second question is the first clause after the first (then the first clause, as
  the cues do) whose intent is a topic with confidence of at least :data:`MIN_CONFIDENCE`, other than the
  routed first topic.
* **B+**: the same, with a bare "and" / "y" also ending a clause.

A message with two topics counts as *both answered* when the routed topic and the second one found are
its two topics (in either order); a message with one topic counts as a *false second* when any second
answer is found. *In today's dialogue* also requires that the first answer came in the same turn: no
clarifying click, no city question and no follow-up answer, after which the routing action answers no
second question (it reads the second question from the latest message). For A end to end that is what
happened; for the others it estimates what the method would give if adopted the same way.

Run: ``python -m tooling.two_questions [CASES.yml] [--url URL] [--out FILE.json]`` (starts its own stack,
with a role-table database of its own, unless ``--url`` names a running Rasa server).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Tuple

import yaml

from bot.config import EVAL_DIR
from bot.cues import clauses, follow_up_of, second_topic
from bot.i18n import t
from bot.language import Language
from bot.topics import AS_TOPIC, TOPIC_NAMES, Subtopic, Topic
from tooling.evaluation import Case, Outcome, run_case
from tooling.rest_client import RasaClient

CASES = EVAL_DIR / "two_questions.yml"
# The FallbackClassifier's threshold (config.yml): below it the assistant would not route a message either.
MIN_CONFIDENCE = 0.6
# B+: a bare conjunction also ends a clause ("why did my bill jump and is there an outage").
METHODS = ("A end to end", "A splitter", "B per clause", "B+ per clause, bare and/y")


@dataclass(frozen=True)
class TwoQuestionCase:
    """One message: its one or two topics, the city given when asked, its language and style."""

    text: str
    topics: Tuple[str, ...]
    city: str | None = None
    lang: str = "en"
    style: str | None = None

    @property
    def two(self) -> bool:
        """Whether the message asks two questions."""
        return len(self.topics) == 2


@dataclass
class CaseResult:
    """What each method found for one case: the routed first topic and the second topic, if any."""

    case: TwoQuestionCase
    first: str
    clarified: bool = False
    asked_city: bool = False
    follow_up: bool = False
    seconds: Dict[str, str | None] = field(default_factory=dict)
    replies: List[str] = field(default_factory=list)
    clauses: List[Dict[str, Any]] = field(default_factory=list)

    def both_answered(self, method: str) -> bool:
        """The routed topic and the second one found are the case's two topics."""
        second = self.seconds[method]
        return self.case.two and second is not None and {self.first, second} == set(self.case.topics)

    @property
    def answered_in_turn(self) -> bool:
        """The first answer came with the message itself, so a second one can follow it today."""
        return not (self.clarified or self.asked_city or self.follow_up)

    def false_second(self, method: str) -> bool:
        """A second answer to a message that asks one question."""
        return not self.case.two and self.seconds[method] is not None


def load_two_question_cases(path: Path) -> List[TwoQuestionCase]:
    """Cases from a YAML list of mappings with ``text`` and ``topics`` (one or two intent names).

    Raises:
        ValueError: A case lacks text or topics, or names a topic that is not an intent of the domain.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of cases")
    cases = []
    for i, item in enumerate(raw, 1):
        topics = item.get("topics") if isinstance(item, dict) else None
        if not isinstance(topics, list) or not item.get("text") or len(topics) not in (1, 2):
            raise ValueError(f"{path}: case {i} needs text and one or two topics")
        unknown = [str(topic) for topic in topics if topic not in TOPIC_NAMES]
        if unknown or len(set(topics)) != len(topics):
            raise ValueError(f"{path}: case {i}: topics must be different intents of {TOPIC_NAMES}, got {topics}")
        city = item.get("city")
        style = item.get("style")
        cases.append(
            TwoQuestionCase(
                str(item["text"]),
                tuple(str(topic) for topic in topics),
                str(city) if city else None,
                str(item.get("lang") or "en"),
                str(style) if style else None,
            )
        )
    return cases


def second_prefixes() -> Tuple[str, ...]:
    """The ``second_question`` sentence in every language: the start of a second answer."""
    return tuple(t("second_question", language) for language in Language)


def _about_phrases() -> List[Tuple[str, str]]:
    """(wording, topic) for every ``about.<key>`` of every catalogue; a subtopic's wording names its parent."""
    phrases = []
    for language in Language:
        for key in (*TOPIC_NAMES, *(s.value for s in Subtopic)):
            topic = key if key in TOPIC_NAMES else Subtopic(key).parent.value
            phrases.append((t(f"about.{key}", language), topic))
    return phrases


def answer_topic(reply: str, phrases: Sequence[Tuple[str, str]] | None = None) -> str | None:
    """The topic a routed answer is about, from its first line's ``about`` wording (earliest, then longest)."""
    line = reply.splitlines()[0] if reply else ""
    found = [(line.find(wording), -len(wording), topic) for wording, topic in phrases or _about_phrases()]
    found = [hit for hit in found if hit[0] >= 0]
    return min(found)[2] if found else None


def second_answer_topic(replies: Iterable[str]) -> str | None:
    """The topic of the assistant's second answer among ``replies`` ("?" if its wording names none)."""
    prefixes = second_prefixes()
    for reply in replies:
        for prefix in prefixes:
            if reply.startswith(prefix):
                return answer_topic(reply[len(prefix) :].strip()) or "?"
    return None


def clause_topic(parse: Dict[str, Any]) -> Tuple[str | None, float]:
    """The topic a clause's NLU parse routes to (a hazard report as an outage), with its confidence."""
    intent = parse.get("intent") or {}
    name = AS_TOPIC.get(str(intent.get("name")), str(intent.get("name")))
    confidence = float(intent.get("confidence") or 0.0)
    return (name if name in TOPIC_NAMES else None), confidence


def classified_second(
    parsed: Sequence[Tuple[str | None, float]], first: str | None, min_confidence: float = MIN_CONFIDENCE
) -> str | None:
    """The second topic among classified clauses: later clauses first, then the first, as the cues look.

    Args:
        parsed: (topic or None, confidence) per clause, in order.
        first: The topic the assistant routed the message to.
        min_confidence: The least confidence a clause's topic needs.

    Returns:
        A topic other than ``first`` that a clause is confidently about, or None.
    """
    if len(parsed) < 2:
        return None
    for topic, confidence in [*parsed[1:], parsed[0]]:
        if topic is not None and topic != first and confidence >= min_confidence:
            return topic
    return None


def measure_case(
    client: RasaClient,
    case: TwoQuestionCase,
    parse: Callable[[str], Dict[str, Any]],
    min_confidence: float = MIN_CONFIDENCE,
) -> CaseResult:
    """Play one case with the stack, then find the second question by every method."""
    outcome: Outcome = run_case(client, Case(case.text, case.topics[0], "none", city=case.city, lang=case.lang))
    first = outcome.topic
    follow = follow_up_of(case.text)
    # The routing action answers a follow-up of the routed topic instead, and then no second question.
    follow_up = follow is not None and follow[1].value == first
    result = CaseResult(case, first, outcome.clarified, outcome.asked_city, follow_up, replies=outcome.replies)
    result.seconds[METHODS[0]] = second_answer_topic(outcome.replies)
    found = second_topic(case.text, Topic(first)) if first in TOPIC_NAMES else None
    result.seconds[METHODS[1]] = found[0].value if found else None
    for method, bare_and in ((METHODS[2], False), (METHODS[3], True)):
        parsed = []
        for clause in clauses(case.text, bare_and):
            topic, confidence = clause_topic(parse(clause))
            parsed.append((topic, confidence))
            result.clauses.append({"method": method, "clause": clause, "topic": topic, "confidence": confidence})
        result.seconds[method] = classified_second(parsed, first, min_confidence)
    return result


def measure(
    client: RasaClient, cases: Sequence[TwoQuestionCase], min_confidence: float = MIN_CONFIDENCE
) -> List[CaseResult]:
    """Every case through the stack; each clause parsed once."""
    cache: Dict[str, Dict[str, Any]] = {}

    def parse(text: str) -> Dict[str, Any]:
        if text not in cache:
            cache[text] = client.parse(text)
        return cache[text]

    return [measure_case(client, case, parse, min_confidence) for case in cases]


def summary(results: Sequence[CaseResult]) -> Dict[str, Dict[str, Dict[str, float | int]]]:
    """Per method and language ("all", "en", "es"): both answered and false seconds, as shares and counts."""
    table: Dict[str, Dict[str, Dict[str, float | int]]] = {}
    for method in METHODS:
        table[method] = {}
        for lang in ("all", "en", "es"):
            chosen = [r for r in results if lang in ("all", r.case.lang)]
            two = [r for r in chosen if r.case.two]
            one = [r for r in chosen if not r.case.two]
            both = sum(r.both_answered(method) for r in two)
            in_dialogue = sum(r.both_answered(method) and r.answered_in_turn for r in two)
            false = sum(r.false_second(method) for r in one)
            table[method][lang] = {
                "two": len(two),
                "both": both,
                "both_share": both / len(two) if two else 0.0,
                "both_in_dialogue": in_dialogue,
                "both_in_dialogue_share": in_dialogue / len(two) if two else 0.0,
                "one": len(one),
                "false": false,
                "false_share": false / len(one) if one else 0.0,
            }
    return table


def first_topic_accuracy(results: Sequence[CaseResult]) -> float:
    """Share of messages whose routed topic is one of their topics (the NLU's part, the same for all methods)."""
    return sum(r.first in r.case.topics for r in results) / (len(results) or 1)


def print_summary(results: Sequence[CaseResult]) -> None:
    """The figures table, then every case some method got wrong."""
    table = summary(results)
    two = [r for r in results if r.case.two]
    print(f"\nrouted topic is one of the message's topics: {100 * first_topic_accuracy(results):.1f}%")
    print(
        f"messages with two questions that got the clarifying question: {sum(r.clarified for r in two)}/{len(two)},"
        f" the city question: {sum(r.asked_city for r in two)}/{len(two)}"
    )
    follow_ups = sum(r.follow_up for r in two)
    print(f"messages with two questions answered with a follow-up reply instead: {follow_ups}/{len(two)}")

    def shares(rows: Dict[str, Dict[str, float | int]], key: str) -> str:
        return " / ".join(f"{100 * float(rows[k][key]):5.1f}%" for k in ("all", "en", "es"))

    titles = ("both answered", "in today's dialogue", "false second")
    print("\n" + f"{'method':<26}" + "".join(f"{title:>26}" for title in titles))
    print(f"{'':<26}{'(all / en / es)':>26}{'(all / en / es)':>26}{'(all / en / es)':>26}")
    for method, rows in table.items():
        both, dialogue, false = (shares(rows, k) for k in ("both_share", "both_in_dialogue_share", "false_share"))
        print(f"{method:<26}{both:>26}{dialogue:>26}{false:>26}")
    counts = table[METHODS[0]]["all"]
    print(f"({counts['two']} messages with two questions, {counts['one']} with one)")
    print("\ncases some method got wrong (expected topics; routed first; second per method A, A-split, B, B+):")
    for r in results:
        wrong = [m for m in METHODS if (r.case.two and not r.both_answered(m)) or r.false_second(m)]
        if wrong:
            seconds = ", ".join(str(r.seconds[m]) for m in METHODS)
            city = f" [city {r.case.city}]" if r.case.city else ""
            print(f"- {r.case.text!r}{city}: {list(r.case.topics)}; {r.first}; {seconds}")


def to_json(results: Sequence[CaseResult]) -> Dict[str, Any]:
    """The summary and every case, for ``--out``."""
    return {
        "summary": summary(results),
        "first_topic_accuracy": first_topic_accuracy(results),
        "cases": [
            {
                "text": r.case.text,
                "topics": list(r.case.topics),
                "lang": r.case.lang,
                "style": r.case.style,
                "first": r.first,
                "clarified": r.clarified,
                "asked_city": r.asked_city,
                "follow_up": r.follow_up,
                "seconds": r.seconds,
                "clauses": r.clauses,
                "replies": r.replies,
            }
            for r in results
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.two_questions", description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=Path, default=CASES, help=f"case file (default {CASES})")
    parser.add_argument("--url", default=None, help="a running Rasa server (default: start servers)")
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=MIN_CONFIDENCE,
        help=f"least confidence of a clause's topic for B and B+ (default {MIN_CONFIDENCE}, the fallback threshold)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the figures and every case as JSON here")
    args = parser.parse_args(argv)
    cases = load_two_question_cases(args.cases)
    if args.url:
        results = measure(RasaClient(args.url, os.environ.get("RASA_AUTH_TOKEN")), cases, args.min_confidence)
    else:
        from tooling.servers import running_stack, seeded_sqlite

        with tempfile.TemporaryDirectory(prefix="two-questions-") as scratch:
            log_dir = Path(scratch)
            # A database of its own: the routed test inquiries stay out of the developer's inquiry log.
            env = {"DATABASE_URL": seeded_sqlite(log_dir / "role_table.db")}
            with running_stack(log_dir, extra_env=env) as stack:
                results = measure(RasaClient(stack.url, stack.token), cases, args.min_confidence)
    print_summary(results)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(to_json(results), indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
