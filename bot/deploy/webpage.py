"""Serve the demo utility help pages, which embed the chat widget through the embed kit.

A deliberately tiny stdlib server, and an ordinary user of the kit (docs/embed.md): it serves the pages
``web/index.html`` (``/``) and ``web/es/index.html`` (``/es/``), the files under ``web/static/`` and the kit
built by ``scripts/web_install.sh`` under ``web/dist/kit/`` (``/kit/...``), all as they are on disk. The one
thing it adds is the Rasa URL: it writes the URL it was started with (``RASA_PUBLIC_URL``, else the page's
own host name with ``RASA_PORT``) into the snippet's ``data-rasa-url`` attribute and into the
Content-Security-Policy, so every port stays configurable. Nothing else is reachable (no directory
listings, no ``package.json``, nothing from ``node_modules``).

Run with ``python -m bot.deploy.webpage`` (``--help`` for the options).
"""

from __future__ import annotations

import argparse
import html
import mimetypes
import os
import re
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, Tuple
from urllib.parse import urlsplit

from bot.config import PROJECT_ROOT

WEB_ROOT = PROJECT_ROOT / "web"
KIT_DIR = Path("dist") / "kit"  # under the web root; built by scripts/web_install.sh (web/build-kit.mjs)
PAGES: Dict[str, str] = {
    "/": "index.html",
    "/index.html": "index.html",
    "/es/": "es/index.html",
    "/es/index.html": "es/index.html",
}
REDIRECTS: Dict[str, str] = {"/es": "/es/"}
HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
RASA_URL_ATTRIBUTE = re.compile(rb'(<script\b[^>]*\bdata-rasa-url=")[^"]*(")')


@dataclass(frozen=True)
class PageConfig:
    """What the pages need to know about the assistant.

    Attributes:
        rasa_port: Port of the Rasa server; the page connects to it on its own host name.
        rasa_url: Full public URL of the Rasa server; overrides ``rasa_port`` (e.g. behind a proxy).
    """

    rasa_port: int = 5005
    rasa_url: str | None = None

    def rasa_url_for(self, page_host: str | None = None) -> str:
        """The URL the widget connects to when the page was requested under ``page_host``."""
        if self.rasa_url:
            return self.rasa_url.rstrip("/")
        return f"http://{page_host or 'localhost'}:{self.rasa_port}"

    def connect_sources(self, page_host: str | None = None) -> str:
        """CSP ``connect-src`` values that let the page reach Rasa (polling and WebSocket) and nothing else.

        Args:
            page_host: Host name the page was requested under (``Host`` header); the page connects to
                Rasa on that same name, so it is allowed besides ``localhost`` and ``127.0.0.1``.
        """
        if self.rasa_url:
            parts = urlsplit(self.rasa_url)
            ws = "wss" if parts.scheme == "https" else "ws"
            return f"{parts.scheme}://{parts.netloc} {ws}://{parts.netloc}"
        hosts = ["localhost", "127.0.0.1"]
        if page_host and page_host not in hosts:
            hosts.append(page_host)
        return " ".join(f"{scheme}://{host}:{self.rasa_port}" for host in hosts for scheme in ("http", "ws"))


def host_name(host_header: str | None) -> str | None:
    """The host name in a ``Host`` header, or ``None`` if it is missing or not a plain name or address."""
    if not host_header:
        return None
    try:
        name = urlsplit(f"//{host_header}").hostname
    except ValueError:
        return None
    # Only names and IPv4 addresses go into a header value; anything else (IPv6 too) is left out.
    return name if name and HOST_NAME.fullmatch(name) else None


def content_security_policy(config: PageConfig, page_host: str | None = None) -> str:
    """The CSP of the demo pages: exactly what docs/embed.md asks of a host page, with the kit on the same origin.

    It makes "loads nothing from the internet" a property the browser enforces, not a promise. No
    ``'unsafe-inline'`` anywhere: the kit ships its styles as files (webchat.css, assistant.css).
    """
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src data:; "
        f"connect-src {config.connect_sources(page_host)}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _security_headers(config: PageConfig, page_host: str | None = None) -> Dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(config, page_host),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def with_rasa_url(page: bytes, rasa_url: str) -> bytes:
    """The page with ``rasa_url`` in the ``data-rasa-url`` attribute of its kit snippet."""
    value = html.escape(rasa_url, quote=True).encode()
    return RASA_URL_ATTRIBUTE.sub(lambda match: match.group(1) + value + match.group(2), page, count=1)


def _under(base: Path, relative: str) -> Path | None:
    root = base.resolve()
    candidate = (root / relative).resolve()
    if candidate.is_file() and candidate.is_relative_to(root) and not candidate.name.startswith("."):
        return candidate
    return None


def resolve(path: str, web_root: Path = WEB_ROOT) -> Path | None:
    """Map a URL path to a file the server may send, or ``None``.

    Args:
        path: The request path, without query string.
        web_root: The ``web/`` directory.

    Returns:
        The file to serve; ``None`` for anything outside the pages, ``static/`` and the kit (including
        ``..`` tricks and dot files).
    """
    if path in PAGES:
        return web_root / PAGES[path]
    for prefix, directory in (("/static/", web_root / "static"), ("/kit/", web_root / KIT_DIR)):
        if path.startswith(prefix) and len(path) > len(prefix):
            return _under(directory, path[len(prefix) :])
    return None


class PageHandler(BaseHTTPRequestHandler):
    """GET/HEAD only; everything else is 405, unknown paths 404."""

    server_version = "demo-page"
    sys_version = ""
    config: PageConfig = PageConfig()
    web_root: Path = WEB_ROOT

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._respond(include_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(include_body=False)

    def _respond(self, include_body: bool) -> None:
        path = urlsplit(self.path).path
        page_host = host_name(self.headers.get("Host"))
        headers: Dict[str, str] = {}
        if path == "/healthz":
            status, body, ctype = HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8"
        elif path in REDIRECTS:
            status, body, ctype = HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain; charset=utf-8"
            headers["Location"] = REDIRECTS[path]
        else:
            status, body, ctype = self._file(path)
            if status == HTTPStatus.OK and path in PAGES:
                body = with_rasa_url(body, self.config.rasa_url_for(page_host))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        for name, value in {**headers, **_security_headers(self.config, page_host)}.items():
            self.send_header(name, value)
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def _file(self, path: str) -> Tuple[HTTPStatus, bytes, str]:
        target = resolve(path, self.web_root)
        if target is None or not target.is_file():
            missing = path.startswith("/kit/") and not (self.web_root / KIT_DIR / "assistant.js").is_file()
            hint = b"embed kit missing: run scripts/web_install.sh\n" if missing else b"not found\n"
            return HTTPStatus.NOT_FOUND, hint, "text/plain; charset=utf-8"
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith(("javascript", "json", "svg+xml")):
            ctype += "; charset=utf-8"
        return HTTPStatus.OK, target.read_bytes(), ctype

    def _method_not_allowed(self) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)

    do_POST = do_PUT = do_DELETE = do_PATCH = _method_not_allowed  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
        if os.environ.get("WEB_ACCESS_LOG", "").lower() in ("1", "true", "yes"):
            super().log_message(format, *args)


def make_server(host: str, port: int, config: PageConfig, web_root: Path = WEB_ROOT) -> ThreadingHTTPServer:
    """Build (and bind) the page server; call ``serve_forever`` on it.

    Args:
        host: Interface to bind, e.g. ``127.0.0.1``.
        port: Port to bind; 0 picks a free one (read it back from ``server.server_address``).
        config: Where the pages find Rasa.
        web_root: The ``web/`` directory.
    """
    handler = type("BoundPageHandler", (PageHandler,), {"config": config, "web_root": web_root})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


@contextmanager
def serving(host: str, port: int, config: PageConfig, web_root: Path = WEB_ROOT) -> Iterator[str]:
    """Serve the pages in a background thread; yield the base URL (for tests)."""
    server = make_server(host, port, config, web_root)
    thread = threading.Thread(target=server.serve_forever, name="demo-page", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM (from run.sh or a supervisor) ends serve_forever like Ctrl-C does.
    raise KeyboardInterrupt


def main(argv: list | None = None) -> int:
    """Command line entry point: serve until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bot.deploy.webpage", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"), help="interface (env WEB_HOST)")
    parser.add_argument("--port", type=int, default=_env_int("WEB_PORT", 8080), help="port (env WEB_PORT)")
    parser.add_argument("--rasa-port", type=int, default=_env_int("RASA_PORT", 5005), help="env RASA_PORT")
    parser.add_argument(
        "--rasa-url",
        default=os.environ.get("RASA_PUBLIC_URL") or None,
        help="public URL of Rasa, overrides --rasa-port (env RASA_PUBLIC_URL)",
    )
    args = parser.parse_args(argv)

    if not (WEB_ROOT / KIT_DIR / "assistant.js").is_file():
        print("warning: the embed kit is not built; run scripts/web_install.sh", file=sys.stderr)
    server = make_server(args.host, args.port, PageConfig(rasa_port=args.rasa_port, rasa_url=args.rasa_url))
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"demo page on http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
