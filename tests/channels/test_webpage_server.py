"""The demo page server: a plain user of the embed kit; what it serves, what it refuses, the Rasa URL it writes."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests

from bot.deploy.webpage import KIT_DIR, WEB_ROOT, PageConfig, content_security_policy, serving, with_rasa_url

KIT = WEB_ROOT / KIT_DIR


@pytest.fixture(scope="module")
def page() -> Iterator[str]:
    if not (KIT / "assistant.js").is_file():
        pytest.fail("the embed kit is not built: run scripts/web_install.sh (make web)", pytrace=False)
    with serving("127.0.0.1", 0, PageConfig(rasa_port=5123)) as url:
        yield url


@pytest.mark.parametrize("path", ["/", "/es/"])
def test_pages_embed_the_kit_and_load_only_local_assets(page: str, path: str) -> None:
    response = requests.get(f"{page}{path}", timeout=10)
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    html = response.text
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # nothing from another host
    # The one-line snippet of docs/embed.md, with the Rasa URL for the host the page was loaded from.
    snippet = re.search(r"<script ([^>]*)></script>", html)
    assert snippet and 'src="/kit/assistant.js"' in snippet.group(1)
    assert 'data-rasa-url="http://127.0.0.1:5123"' in snippet.group(1)
    assert html.count("<script") == 1  # no page-specific glue: the kit is all there is
    for asset in re.findall(r"""(?:src|href)=["'](/[^"'#]*)["']""", html):
        assert requests.get(f"{page}{asset}", timeout=10).status_code == 200, asset


def test_spanish_page_configures_the_widget_in_spanish(page: str) -> None:
    html = requests.get(f"{page}/es/", timeout=10).text
    assert '<html lang="es">' in html
    snippet = re.search(r"<script ([^>]*)></script>", html)
    assert snippet is not None
    assert 'data-lang="es"' in snippet.group(1) and 'data-opening-message="¡Hola!' in snippet.group(1)
    assert requests.get(f"{page}/es", allow_redirects=False, timeout=10).headers["Location"] == "/es/"


def test_rasa_url_follows_the_host_or_the_public_url(page: str) -> None:
    lan = requests.get(f"{page}/", headers={"Host": "192.168.1.20:8080"}, timeout=10).text
    assert 'data-rasa-url="http://192.168.1.20:5123"' in lan
    config = PageConfig(rasa_port=5005, rasa_url="https://chat.example.org/")
    assert config.rasa_url_for("anything") == "https://chat.example.org"
    assert config.connect_sources() == "https://chat.example.org wss://chat.example.org"
    odd = with_rasa_url(b'<script src="/kit/assistant.js" data-rasa-url="x"></script>', 'a"><script>')
    assert b'data-rasa-url="a&quot;&gt;&lt;script&gt;"' in odd


def test_kit_files_are_served_exactly_as_built(page: str) -> None:
    for name in ("assistant.js", "assistant.css", "webchat.js", "webchat.css", "kit.json"):
        response = requests.get(f"{page}/kit/{name}", timeout=30)
        assert response.status_code == 200, name
        assert response.content == (KIT / name).read_bytes(), f"{name} was rewritten on the way"
    assert requests.get(f"{page}/kit/webchat.js", timeout=30).headers["Content-Type"].startswith("text/javascript")


def test_csp_allows_the_kit_and_rasa_only(page: str) -> None:
    csp = requests.get(f"{page}/", timeout=10).headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]  # no 'unsafe-inline': the kit's styles are files
    assert directives["connect-src"] == [
        "http://localhost:5123",
        "ws://localhost:5123",
        "http://127.0.0.1:5123",
        "ws://127.0.0.1:5123",
    ]
    # Loaded under another name (e.g. the machine's address), the page may reach Rasa under that name.
    lan = requests.get(f"{page}/", headers={"Host": "192.168.1.20:8080"}, timeout=10)
    assert "http://192.168.1.20:5123 ws://192.168.1.20:5123" in lan.headers["Content-Security-Policy"]
    odd = requests.get(f"{page}/", headers={"Host": "x; script-src *"}, timeout=10)
    assert "script-src *" not in odd.headers["Content-Security-Policy"]
    assert content_security_policy(PageConfig(rasa_url="https://chat.example.org")).count("wss://chat.example.org")


@pytest.mark.parametrize(
    "path",
    [
        "/package.json",
        "/package-lock.json",
        "/node_modules/rasa-webchat/package.json",
        "/static/../package.json",
        "/static/%2e%2e/package.json",
        "/static/",
        "/../bot/config.py",
        "/nope",
        "/config.js",
        "/vendor/webchat.js",
        "/kit/",
        "/kit/.built-from",
        "/kit/../build-kit.mjs",
        "/kit/%2e%2e/kit/assistant.js/..",
        "/dist/kit/assistant.js",
        "/es/../../package.json",
        "/kit/../../package.json",
    ],
)
def test_nothing_else_is_served(page: str, path: str) -> None:
    # Raw path: requests would normalise the dots away.
    session = requests.Session()
    request = requests.Request("GET", f"{page}{path}").prepare()
    request.url = f"{page}{path}"
    assert session.send(request, timeout=10).status_code == 404


def test_only_get_and_head(page: str) -> None:
    assert requests.post(f"{page}/", data=b"x", timeout=10).status_code == 405
    assert requests.head(f"{page}/", timeout=10).status_code == 200
