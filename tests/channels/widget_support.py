"""Helpers for the browser tests of the chat widget: Chromium, the widget's DOM, static hosts, axe-core, a proxy.

A module with a unique name rather than ``conftest`` (see channels_support.py).
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Tuple

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from bot.channels.edge import EdgeSettings, TokenBucket
from bot.config import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPLY_TIMEOUT_MS = 30_000
KIT = PROJECT_ROOT / "web" / "dist" / "kit"
AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
W = ".rasa-assistant"  # everything the kit draws is inside this element

# Recorded from the first script on: every CSP violation and the widget's typing dots, however brief.
WATCH_PAGE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
window.__typingSeen = false;
new MutationObserver(() => {
  if (document.querySelector('.rw-typing-indication')) { window.__typingSeen = true; }
}).observe(document, {childList: true, subtree: true});
"""


def launch_browser() -> Iterator[Browser]:
    """Body of a module-scoped ``browser`` fixture: headless Debian Chromium."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make browser`", pytrace=False)
    if not (KIT / "assistant.js").is_file():
        pytest.fail("the embed kit is not built: run `make web`", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Browser, url: str) -> Tuple[BrowserContext, Page, List[str], List[str]]:
    """A fresh browser profile on ``url``; returns it with the requested URLs and console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_PAGE)
    requested: List[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(url)
    return context, page, requested, errors


class HumanPace:
    """Keeps one widget connection under the socket.io channel's rate limit, as a person typing would.

    The edge allows ``BOT_SOCKET_BURST`` messages at once, refilled at ``BOT_SOCKET_PER_MINUTE``, and refuses
    the rest ("You are sending messages too quickly"): a test sending more than the burst waits here before each
    message. The widget's session request on loading and its greeting on opening count too: count those once
    the assistant has answered them, as a bucket that counts a message early also refills early.
    """

    SPARE = 0.9  # refill 10 % slower than the edge, for the moment between counting a message and its arrival

    def __init__(self, env: Mapping[str, str]) -> None:
        """Read the limit as the assistant's edge does, from the stack's environment ``env``."""
        settings = EdgeSettings.from_env(env)
        self._bucket = TokenBucket(settings.socket_burst, settings.socket_per_minute * self.SPARE)

    def wait(self) -> None:
        """Return once one more message may be sent on this connection (and count it as sent)."""
        while not self._bucket.take():
            time.sleep(0.05)


def responses(page: Page) -> int:
    return page.locator(f"{W} .rw-response").count()


def bot_says(page: Page, text: str, since: int = 0, timeout: int = REPLY_TIMEOUT_MS) -> None:
    """Wait until one of the bot's messages after the first ``since`` ones contains ``text``."""
    page.wait_for_function(
        """([text, since]) => Array.from(document.querySelectorAll('.rasa-assistant .rw-response')).slice(since)
             .some((node) => node.textContent.includes(text))""",
        arg=[text, since],
        timeout=timeout,
    )


def say(page: Page, text: str) -> int:
    """Type ``text`` into the widget and send it; return how many bot messages there were before."""
    before = responses(page)
    box = page.locator(f"{W} .rw-new-message")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(f"{W} .rw-client").filter(has_text=text).last).to_be_visible()
    return before


def status(page: Page) -> str:
    return str(page.evaluate("window.RasaAssistant ? window.RasaAssistant.status() : 'no kit'"))


def wait_status(page: Page, wanted: str, timeout: int = REPLY_TIMEOUT_MS) -> None:
    page.wait_for_function(
        "(wanted) => window.RasaAssistant && window.RasaAssistant.status() === wanted", arg=wanted, timeout=timeout
    )


def csp_violations(page: Page) -> List[str]:
    return list(page.evaluate("window.__cspViolations || []"))


def axe_violations(page: Page, impacts: tuple = ("serious", "critical")) -> List[Dict[str, Any]]:
    """Run axe-core (web/node_modules, pinned in web/package.json) in the page; violations of these impacts.

    ``page.evaluate`` runs outside the page's CSP, so axe needs no exception in the policy under test.
    """
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make web`", pytrace=False)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
             const r = await axe.run(document, {resultTypes: ['violations']});
             return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                              nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
           }"""
    )
    return [violation for violation in result if violation["impact"] in impacts]


class _QuietHandler(SimpleHTTPRequestHandler):
    extra_headers: Dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def static_site(directory: Path, port: int = 0, headers: Dict[str, str] | None = None) -> Iterator[str]:
    """A plain static file server for ``directory`` (stdlib, nothing rewritten) on 127.0.0.1; yields its origin."""
    handler = type("Handler", (_QuietHandler,), {"extra_headers": dict(headers or {})})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(directory)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"static-{port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def host_page(title: str, snippet_attributes: Dict[str, str], kit_url: str, lang: str = "en") -> str:
    """A minimal page of "another site" with the one-line snippet of docs/embed.md."""
    attributes = " ".join(f'{name}="{value}"' for name, value in snippet_attributes.items())
    return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
  <main>
    <h1>{title}</h1>
    <p>A host page on its own origin, embedding the assistant from a separate static host.</p>
    <button type="button" data-rasa-assistant-open>Chat with us</button>
  </main>
  <script src="{kit_url}/assistant.js" {attributes}></script>
</body>
</html>
"""


class TcpProxy:
    """A TCP relay 127.0.0.1:<port> → ``target``, which can be cut (all connections closed, port closed)
    and restored on the same port: the assistant "goes away" and "comes back" for the browser."""

    def __init__(self, target_port: int) -> None:
        """Pick a port; call :meth:`start`."""
        self.target_port = target_port
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        self._listener: socket.socket | None = None
        self._sockets: List[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets = []


def local_storage_session(page: Page) -> str:
    return str(json.loads(page.evaluate("localStorage.getItem('chat_session')"))["session_id"])
