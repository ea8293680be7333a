"""The map's script files are kept by the browser between visits: versioned URL → immutable."""

from __future__ import annotations

import asyncio

from lib.webcache import IMMUTABLE, ImmutableAssets, is_versioned_asset

DECK = "/component/lib.ui.maps.vendor/deckgl/deckgl-9.4.0.min.js"


def respond(path: str, query: bytes = b"", status: int = 200) -> dict[bytes, bytes]:
    """Headers the browser gets for one GET through the middleware (Streamlit's route says « public »)."""
    async def streamlit_route(scope, receive, send):
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/javascript"), (b"cache-control", b"public")]})
        await send({"type": "http.response.body", "body": b"//"})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": "http", "method": "GET", "path": path, "query_string": query}
    asyncio.run(ImmutableAssets(streamlit_route)(scope, receive, send))
    return dict(sent[0]["headers"])


def test_a_versioned_map_file_is_kept_for_good():
    headers = respond(DECK, b"v=2eb6a1ae0d58")
    assert headers[b"cache-control"] == IMMUTABLE
    assert headers[b"content-type"] == b"text/javascript"


def test_without_a_version_the_file_keeps_streamlits_header():
    assert respond(DECK)[b"cache-control"] == b"public"
    assert respond(DECK, b"v=")[b"cache-control"] == b"public"


def test_other_routes_and_errors_are_left_alone():
    assert respond("/component/someone.else/x.js", b"v=abc")[b"cache-control"] == b"public"
    assert respond(DECK, b"v=abc", status=404)[b"cache-control"] == b"public"


def test_the_version_may_sit_among_other_query_parameters():
    assert is_versioned_asset(DECK, b"x=1&v=abc", ("lib.ui.maps.",))
    assert not is_versioned_asset(DECK, b"vv=abc", ("lib.ui.maps.",))


def test_the_middleware_marks_the_map_element_s_own_folders():
    from lib.ui.maps import ASSET_PREFIX
    from lib.webcache import MAP_ASSETS

    assert MAP_ASSETS == ASSET_PREFIX
