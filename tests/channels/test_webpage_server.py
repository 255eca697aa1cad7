"""The demo page server: what it serves, what it refuses, and the config it hands the page."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests

from bot.deploy.webpage import PageConfig, serving


@pytest.fixture(scope="module")
def page() -> Iterator[str]:
    with serving("127.0.0.1", 0, PageConfig(rasa_port=5123)) as url:
        yield url


def test_index_embeds_the_widget_and_loads_only_local_assets(page: str) -> None:
    response = requests.get(f"{page}/", timeout=10)
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    html = response.text
    assert '<div id="webchat"' in html and "Fictional site" in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # nothing from another host
    for asset in re.findall(r"""(?:src|href)=["'](/[^"']+)["']""", html):
        assert requests.get(f"{page}{asset}", timeout=10).status_code == 200, asset


def test_config_tells_the_page_where_rasa_is(page: str) -> None:
    response = requests.get(f"{page}/config.js", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert '"rasaPort": 5123' in response.text and '"socketPath": "/socket.io/"' in response.text


def test_public_rasa_url_overrides_the_port() -> None:
    config = PageConfig(rasa_port=5005, rasa_url="https://chat.example.org")
    assert b'"rasaUrl": "https://chat.example.org"' in config.script()
    assert config.connect_sources() == "https://chat.example.org wss://chat.example.org"


def test_widget_bundle_is_served_without_remote_imports(page: str) -> None:
    response = requests.get(f"{page}/vendor/webchat.js", timeout=30)
    assert response.status_code == 200, "run scripts/web_install.sh"
    assert "WebChat" in response.text[:2000]
    assert "fonts.googleapis.com" not in response.text


def test_csp_limits_connections_to_rasa(page: str) -> None:
    csp = requests.get(f"{page}/", timeout=10).headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    connect = next(part.split()[1:] for part in csp.split(";") if part.split()[0] == "connect-src")
    assert connect == ["'self'", "http://localhost:5123", "ws://localhost:5123", "http://127.0.0.1:5123",
                       "ws://127.0.0.1:5123"]
    # Loaded under another name (e.g. the machine's address), the page may reach Rasa under that name.
    lan = requests.get(f"{page}/", headers={"Host": "192.168.1.20:8080"}, timeout=10)
    assert "http://192.168.1.20:5123 ws://192.168.1.20:5123" in lan.headers["Content-Security-Policy"]
    odd = requests.get(f"{page}/", headers={"Host": "x; script-src *"}, timeout=10)
    assert "script-src *" not in odd.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    ["/package.json", "/package-lock.json", "/node_modules/rasa-webchat/package.json", "/static/../package.json",
     "/static/%2e%2e/package.json", "/static/", "/../bot/config.py", "/nope"],
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
