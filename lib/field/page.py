"""The volunteers' page: a few static files of ours (lib/field/web/), served with strict headers.

Why so strict: the page holds a secret (the link's token, in the URL fragment) and runs on
phones in the street. A Content-Security-Policy allows only this server's own files (no inline
script, no third party, no frame), the page is never sent as a Referer, and every file carries
a validator so the service worker (``sw.js``) refreshes its copy when the server's changes.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

WEB = Path(__file__).resolve().parent / "web"
FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
         "sw.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8",
         "manifest.webmanifest": "application/manifest+json", "icon.svg": "image/svg+xml"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "Cache-Control": "no-cache", "X-Frame-Options": "DENY"}
FIELD_PAGE = "/terrain/"  # the page's path under the app's base path; a link adds ``#<token>``
VERSION_MARK = "__TERRAIN_VERSION__"  # in sw.js: its cache's name changes with any file of the page


@cache
def version() -> str:
    """A digest of every file of the page: a new version makes phones fetch the page again."""
    digest = hashlib.sha256()
    for name in sorted(FILES):
        digest.update((WEB / name).read_bytes())
    return digest.hexdigest()[:12]


@cache
def body_of(name: str) -> bytes:
    """A file of the page as served (``sw.js`` with the page's version written in)."""
    data = (WEB / name).read_bytes()
    return data.replace(VERSION_MARK.encode(), version().encode()) if name == "sw.js" else data


def page_bytes() -> int:
    """What a phone downloads on its first visit (every file of the page), in bytes."""
    return sum(len(body_of(name)) for name in FILES)


def serve(request: Request, name: str) -> Response:
    """One file with its validator; 304 when the browser already has it."""
    body = body_of(name)
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    headers = {**HEADERS, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=FILES[name], headers=headers)


def page_routes(root: str) -> list[BaseRoute]:
    """``root`` (``/terrain``) redirects to ``root/``, the page; ``root/<file>`` its files (no others)."""
    async def index(request: Request) -> Response:
        return serve(request, "index.html")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in FILES:
            return Response("Fichier introuvable.", status_code=404, media_type="text/plain; charset=utf-8",
                            headers=HEADERS)
        return serve(request, name)

    async def to_slash(_request: Request) -> Response:
        return RedirectResponse(f"{root}/", status_code=308, headers={"Referrer-Policy": "no-referrer"})

    return [Route(root, to_slash), Route(f"{root}/", index), Route(root + "/{name}", asset)]
