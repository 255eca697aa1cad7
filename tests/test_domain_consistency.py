"""The apology used when the role table is unreachable repeats SCE's numbers; keep it in step with the seed."""

from __future__ import annotations

import yaml

from bot.config import PROJECT_ROOT, SEED_DIR


def test_service_trouble_reply_quotes_sces_numbers_from_the_seed():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    text = domain["responses"]["utter_service_trouble"][0]["text"]
    seed = yaml.safe_load((SEED_DIR / "role_table.yml").read_text(encoding="utf-8"))
    sce = next(p for p in seed["parties"] if p["key"] == "sce")
    assert sce["phone"] in text and sce["outage_phone"] in text and sce["website"] in text
