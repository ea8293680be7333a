"""Let the browser keep the map's script files between visits (ASGI middleware for ``serve.py``).

Why: Streamlit serves component files with ``Cache-Control: public`` and no validator, so the
browser fetched and compiled deck.gl (2 MB) again at every page load. Our URLs to those files
carry their content hash (``?v=…``, see :mod:`lib.ui.maps`): such a response can be kept
for good, and a changed file comes under a new URL. Nothing else is touched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

IMMUTABLE = b"public, max-age=31536000, immutable"
MAP_ASSETS = "lib.ui.maps."  # lib.ui.maps.ASSET_PREFIX (that module imports Streamlit; a test checks they agree)


def is_versioned_asset(path: str, query: bytes, prefixes: tuple[str, ...]) -> bool:
    """A component file under one of ``prefixes`` asked for by content hash (``v=`` in the query)."""
    return any(f"/component/{p}" in path for p in prefixes) and any(
        part.startswith(b"v=") and len(part) > 2 for part in query.split(b"&"))


class ImmutableAssets:
    """Marks versioned component files as cacheable for a year; passes everything else through."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = (MAP_ASSETS,)) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_versioned_asset(
                scope.get("path", ""), scope.get("query_string", b""), self.prefixes):
            await self.app(scope, receive, send)
            return

        async def send_cacheable(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", IMMUTABLE)]}
            await send(message)

        await self.app(scope, receive, send_cacheable)

