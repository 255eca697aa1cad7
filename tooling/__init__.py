"""Development tooling beside bench/: server launcher, REST client, routing evaluation. Not imported at runtime."""

from pathlib import Path as _Path

import yaml as _yaml


def domain_text(response: str, root: _Path = _Path(__file__).resolve().parent.parent) -> str:
    """The English text of a domain response: tests and benchmarks quote domain.yml, never a copy of it."""
    domain = _yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    return str(next(v["text"] for v in domain["responses"][response] if not v.get("condition")))


def apology_marker() -> str:
    """The first sentence of the apology (``utter_service_trouble``), enough to recognise it in a reply."""
    return domain_text("utter_service_trouble").split(".")[0]
