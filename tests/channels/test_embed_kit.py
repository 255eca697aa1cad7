"""The embed kit as `make web` builds it: self-contained, loads nothing from the internet, patched, documented.

No servers and no browser (test_embedding.py and test_web_widget.py run it in Chromium).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from typing import Dict

import pytest

from bot.config import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
KIT = WEB / "dist" / "kit"
FILES = ["assistant.js", "assistant.css", "webchat.js", "webchat.css", "kit.json", "LICENSE-rasa-webchat.txt"]
EMBED_DOCS = PROJECT_ROOT / "docs" / "embed.md"


@pytest.fixture(scope="module")
def manifest() -> Dict:
    if not (KIT / "kit.json").is_file():
        pytest.fail("the embed kit is not built: run scripts/web_install.sh (make web)", pytrace=False)
    return json.loads((KIT / "kit.json").read_text(encoding="utf-8"))


def loader_options() -> Dict[str, str]:
    """``config key -> data attribute`` from the OPTIONS table of web/kit/assistant.js."""
    source = (WEB / "kit" / "assistant.js").read_text(encoding="utf-8")
    table = source[source.index("var OPTIONS = {") : source.index("};", source.index("var OPTIONS = {"))]
    return dict(re.findall(r'(\w+): "(data-[a-z-]+)"', table))


def test_kit_has_every_file_with_the_hashes_kit_json_lists(manifest: Dict) -> None:
    assert sorted(p.name for p in KIT.iterdir() if not p.name.startswith(".")) == sorted(FILES)
    listed = manifest["files"]
    assert sorted(listed) == sorted(name for name in FILES if name != "kit.json")
    for name, entry in listed.items():
        data = (KIT / name).read_bytes()
        assert entry["bytes"] == len(data), name
        assert entry["sha384"] == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode(), name
    assert manifest["widget"] == "rasa-webchat 1.0.1"
    # assistant.js carries the kit version it asks for its files with (cache busting on a CDN).
    loader = (KIT / "assistant.js").read_text(encoding="utf-8")
    assert f'var VERSION = "{manifest["version"]}";' in loader and "__KIT_VERSION__" not in loader


@pytest.mark.parametrize("name", ["assistant.js", "assistant.css", "webchat.js", "webchat.css"])
def test_nothing_is_loaded_from_the_internet(manifest: Dict, name: str) -> None:
    text = (KIT / name).read_text(encoding="utf-8")
    assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
    assert "@import" not in text
    if name.endswith(".css"):
        for url in re.findall(r"url\(([^)]*)\)", text):
            assert url.strip("'\"").startswith("data:"), url[:80]


def test_the_loader_only_adds_files_of_its_own_directory() -> None:
    loader = (KIT / "assistant.js").read_text(encoding="utf-8")
    assert set(re.findall(r'kitBase \+ "([^"]+)"', loader)) == {"webchat.js?v="}
    assert set(re.findall(r'addStylesheet\("([^"]+)"\)', loader)) == {"webchat.css", "assistant.css"}
    assert not re.search(r"https?://(?!www\.w3\.org)", loader.split("*/", 1)[1])  # no URL in the code


def test_widget_bundle_is_patched_as_build_kit_says(manifest: Dict) -> None:
    bundle = (KIT / "webchat.js").read_text(encoding="utf-8")
    original = (WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js").read_text(encoding="utf-8")
    assert "return null!==this.socket&&this.socket.connected" in original
    assert "return null!==this.socket&&this.socket.connected" not in bundle  # one socket per widget
    assert "e.exports=function(e,t){return function(){};" in bundle  # no <style> injection
    assert 't&&r.emit("user_uttered",{message:t' in bundle  # no empty init payload
    assert 'document.createElement("style");if(a.innerHTML' not in bundle
    assert len(manifest["patches"]) == 4
    css = (KIT / "webchat.css").read_text(encoding="utf-8")
    for selector in (".rw-launcher", ".rw-conversation-container", ".rw-reply", ".rw-messages-container"):
        assert selector in css  # the styles style-loader would have injected are in the file instead


def test_every_option_is_documented_for_the_web_team() -> None:
    options = loader_options()
    assert len(options) >= 15 and options["rasaUrl"] == "data-rasa-url" and options["lang"] == "data-lang"
    docs = EMBED_DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(data-[a-z-]+)` \| `(\w+)` \|", docs, flags=re.MULTILINE)
    assert dict((key, attribute) for attribute, key in rows) == options
    for needed in ("title", "subtitle", "color", "logo", "position", "openingMessage", "lang"):
        assert needed in options  # the theming the issue asks for


def test_docs_give_the_exact_csp_and_cors_setup() -> None:
    docs = EMBED_DOCS.read_text(encoding="utf-8")
    for directive in (
        "script-src  https://static.example.org;",
        "style-src   https://static.example.org;",
        "connect-src https://chat.example.org wss://chat.example.org;",
    ):
        assert directive in docs
    assert "'unsafe-inline'" in docs and "WEB_ORIGINS" in docs and "--cors" in docs
    assert "1-800-655-4555" in docs and "1-800-611-1911" in docs


def test_widget_dependencies_are_pinned_and_locked() -> None:
    package = json.loads((WEB / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    for section in ("dependencies", "devDependencies"):
        for name, version in package[section].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} {version} is not pinned"
            assert lock["packages"][f"node_modules/{name}"]["version"] == version
            assert lock["packages"][""][section][name] == version
    assert "axe-core" in package["devDependencies"]


def test_install_script_is_a_no_op_the_second_time() -> None:
    result = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "web_install.sh")], capture_output=True, text=True, timeout=600, check=True
    )
    assert "web widget is up to date" in result.stdout and "embed kit is up to date" in result.stdout
