"""Terrain's page shell in Streamlit's ``index.html`` (ASGI middleware for ``serve.py``).

Two short scripts are written into the ``<head>`` of the HTML page, so they run once per page
load, before Streamlit's frontend starts:

- the frontend's server address (``window.__streamlit.BACKEND_BASE_URL``): without it, a page
  loaded by its own URL (``/carte``) first probed ``/carte/_stcore/health`` and
  ``/carte/_stcore/host-config`` (two 404s) before finding the server at the root;
- ``lib/ui/web/chrome.js``: history entries per page (not per slider move) and French for the
  labels Streamlit's frontend writes in English (see that file).

Only HTML responses are touched, and not a page that sets its own Content-Security-Policy (the
volunteers' page, :mod:`lib.field.page`: inline scripts are not allowed there); a gzipped page
(Streamlit compresses the page of ``/carte`` but not of ``/``) is sent back uncompressed (8 kB).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from lib.webcache import ASGIApp, Message, Receive, Scope, Send

CHROME = Path(__file__).resolve().parent / "ui" / "web" / "chrome.js"


def shell_head(base_path: str = "") -> bytes:
    """The ``<script>`` tags written at the top of ``<head>``."""
    base = "/" + base_path.strip("/") if base_path.strip("/") else ""
    config = ("window.__streamlit=Object.assign(window.__streamlit||{},"
              f"{{BACKEND_BASE_URL:location.origin+{json.dumps(base + '/')}}});")
    return f"<script>{config}</script><script>{CHROME.read_text(encoding='utf-8')}</script>".encode()


def inject(html: bytes, head: bytes) -> bytes:
    """``head`` right after ``<head>`` (the page unchanged when it has none)."""
    at = html.find(b"<head>")
    return html if at < 0 else html[:at + 6] + head + html[at + 6:]


class ShellScripts:
    """Writes :func:`shell_head` into every HTML page the app serves; passes the rest through."""

    def __init__(self, app: ASGIApp, base_path: str = "") -> None:
        self.app = app
        self.head = shell_head(base_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if b"text/html" not in headers.get(b"content-type", b"") or \
                        b"content-security-policy" in headers or \
                        headers.get(b"content-encoding", b"gzip") != b"gzip":
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                page = b"".join(body)
                zipped = dict(start.get("headers", [])).get(b"content-encoding") == b"gzip"
                await _send_page(send, start, inject(gzip.decompress(page) if zipped else page, self.head))

        await self.app(scope, receive, collect)


async def _send_page(send: Send, start: Message, page: bytes) -> None:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"content-encoding")]
    await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
    await send({"type": "http.response.body", "body": page})
