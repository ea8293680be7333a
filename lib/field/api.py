"""The volunteers' JSON API and page: Starlette routes mounted beside the Streamlit app (``serve.py``).

    GET  /terrain/                 the page (its files: lib/field/web/, :mod:`lib.field.page`)
    GET  /api/terrain/feuille      the turf's sheet: addresses in order, latest statuses, totals
    GET  /api/terrain/carte        the turf's small map: streets around it, route, doors (:mod:`lib.field.turfmap`)
    POST /api/terrain/portes       {"taps": [{"id", "stop", "status", "at"}, …]} (≤ 200 per batch)
    POST /api/terrain/bilan        {"id", "conversations", "interested", "proxies"}: turf totals
    POST /api/terrain/pris         {"team", "force"?}: the turf « pris par » a team

The link's token travels in the ``X-Terrain-Jeton`` header (the page reads it from the URL
fragment, which no browser sends): never in a path or a query string, so never in an access log
or a Referer. Errors are JSON ``{"error": "<French>"}`` with a 4xx status, never a traceback.
Every database call runs in Starlette's thread pool, one short transaction each (:mod:`lib.store`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from lib import store
from lib.config import load_settings
from lib.doors import DOOR_STATUSES, MAX_TURF_TOTAL, TURF_TOTALS
from lib.errors import TerrainError, user_message
from lib.field import page, turfmap
from lib.field.payloads import (
    MAX_BODY,
    MAX_TAPS,
    BadRequest,
    parse_json,
    report_of,
    taps_of,
    team_of,
)
from lib.field.ratelimit import RateLimit
from lib.store import retention
from lib.store.models import utcnow
from lib.store.returns import TakenError

LOG = logging.getLogger(__name__)
TOKEN_HEADER = "X-Terrain-Jeton"
API_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
TOO_FAST = "Trop d'envois en peu de temps depuis ce lien : patientez une minute, vos saisies sont gardées."
TOO_BIG = f"envoi trop gros ({MAX_BODY // 1024} ko au plus) : rien n'a été enregistré."
EngineFactory = Callable[[], Engine]
Work = Callable[[Engine, str, dict], dict]


def iso(at: datetime | None) -> str | None:
    """A naive UTC time of the store as ISO 8601 with its zone (``…Z``), as the page reads it."""
    return None if at is None else at.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Rejected(TerrainError):
    """Every tap of a batch refused by the store (unknown address, opposition list): HTTP 422."""

    def __init__(self, message: str, rejected: list[dict]) -> None:
        super().__init__(message)
        self.rejected = rejected


def status_of(err: TerrainError) -> int:
    """The HTTP status of a French refusal: a bad link is 403, a closed campaign 410."""
    if isinstance(err, BadRequest):
        return 400
    if isinstance(err, TakenError):
        return 409
    return {store.BAD_LINK: 403, retention.CLOSED: 410}.get(err.message, 422)


def refusal(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=API_HEADERS)


# --- what each route does (run in the thread pool) ----------------------------------------------

def sheet_json(engine: Engine, token: str, _data: dict) -> dict:
    """The turf's sheet as the page keeps it (offline too): addresses without names, statuses, vocabulary."""
    sheet = store.turf_sheet(engine, token)
    stops = [{"stop": int(r.stop), "label": str(r.label), "doors": round(float(r.est_doors or 0)),
              "status": r.status or None, "at": iso(r.at if r.status else None)}
             for r in sheet.addresses.itertuples(index=False)]
    return {"turf": sheet.code, "link": sheet.link, "bureau": ", ".join(sheet.bureaux), "stops": stops,
            "totals": sheet.totals, "taken_by": sheet.taken_by, "expires_at": iso(sheet.expires_at),
            "server_time": iso(utcnow()), "vocabulary": {"statuses": DOOR_STATUSES, "totals": TURF_TOTALS,
                                                         "max_total": MAX_TURF_TOTAL, "max_batch": MAX_TAPS}}


def map_json(engine: Engine, token: str, sources: turfmap.StreetSources) -> dict:
    """The turf's small map, drawn by the page and kept with the sheet (offline too): the streets
    around its doors, the route along them, the doors in order (those on the opposition list left
    out, as on the sheet)."""
    sheet = store.turf_sheet(engine, token)
    try:
        source = sources(sheet.territory) if sheet.territory else None
    except TerrainError as err:  # a damaged street layer: the map without streets, the rest works
        LOG.warning("streets of %s unreadable for the phone map: %s", sheet.territory, err)
        source = None
    stops = sheet.addresses
    return turfmap.turf_map(stops["stop"].tolist(), stops["label"].tolist(), stops["lon"].to_numpy(float),
                            stops["lat"].to_numpy(float), source)


def save_taps(engine: Engine, token: str, data: dict) -> dict:
    """Record a batch of taps; a tap the store refuses (address not in this turf, opposition list)
    is listed in ``rejected`` with its French reason, the others are recorded. The answer carries
    the turf's statuses: what the other phones recorded (latest tap by time)."""
    batch = store.record_taps(engine, token, [tuple(tap) for tap in taps_of(data)])
    rejected = [{"id": tap_id, "stop": stop, "error": message} for tap_id, stop, message in batch.rejected]
    if rejected and not (batch.accepted or batch.duplicates):
        raise Rejected(rejected[0]["error"], rejected)
    statuses = {str(stop): {"status": status, "at": iso(at)} for stop, (status, at) in batch.statuses.items()}
    return {"accepted": batch.accepted, "duplicates": batch.duplicates, "rejected": rejected, "statuses": statuses,
            "server_time": iso(utcnow())}


def save_report(engine: Engine, token: str, data: dict) -> dict:
    """Add the outing's totals to the turf (a resent report with the same id counts once)."""
    report_id, counts = report_of(data)
    new = store.record_report(engine, token, report_id, **counts)
    return {"recorded": bool(new), "server_time": iso(utcnow())}


def take(engine: Engine, token: str, data: dict) -> dict:
    """Mark the turf « pris par » a team (refused when another team has it, unless ``force``)."""
    team, force = team_of(data)
    return {"taken_by": store.take_turf(engine, token, team, force=force), "server_time": iso(utcnow())}


# --- HTTP -------------------------------------------------------------------------------------

async def read_body(request: Request) -> bytes:
    """The request's body, refused beyond :data:`MAX_BODY` without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise BadRequest(TOO_BIG)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BadRequest(TOO_BIG)
    return body


class FieldApi:
    """The API's handlers around one engine factory and one rate limit."""

    def __init__(self, engine: EngineFactory, limit: RateLimit) -> None:
        self.engine, self.limit = engine, limit

    async def answer(self, request: Request, work: Work) -> JSONResponse:
        """Check the link's rate, read the body (POST), run ``work`` off the event loop, answer JSON."""
        token = request.headers.get(TOKEN_HEADER, "")
        if not token:
            return refusal(403, store.BAD_LINK)
        if not self.limit.allow(token):
            return refusal(429, TOO_FAST)
        try:
            data = parse_json(await read_body(request)) if request.method == "POST" else {}
            result = await run_in_threadpool(lambda: work(self.engine(), token, data))
        except Rejected as err:
            return refusal(422, err.message, rejected=err.rejected)
        except TerrainError as err:
            return refusal(status_of(err), user_message(err, "d'enregistrer ce retour"))
        except Exception as err:  # a bug: logged with its traceback, told in French
            return refusal(500, user_message(err, "d'enregistrer ce retour"))
        return JSONResponse(result, headers=API_HEADERS)

    def route(self, path: str, work: Work, method: str) -> Route:
        async def endpoint(request: Request) -> JSONResponse:
            return await self.answer(request, work)
        return Route(path, endpoint, methods=[method])


ROUTES = {"feuille": sheet_json, "portes": save_taps, "bilan": save_report, "pris": take}
METHODS = {"feuille": "GET", "carte": "GET", "portes": "POST", "bilan": "POST", "pris": "POST"}
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def elsewhere(request: Request) -> JSONResponse:
    """Any other address or method under the API: a French JSON refusal like the others."""
    name = request.path_params["rest"]
    if name in METHODS:
        return refusal(405, f"« {name} » s'utilise en {METHODS[name]} seulement.")
    return refusal(404, "adresse inconnue de l'API du terrain.")


def field_routes(engine: EngineFactory, base_path: str = "", *, limit: RateLimit | None = None,
                 streets: turfmap.StreetSources | None = None) -> list[BaseRoute]:
    """The page and the API under the app's base path (``server.baseUrlPath``), for ``st.App(routes=…)``.
    ``streets``: territory → its street layer for the phone maps (default: the settings' data folder)."""
    base = "/" + base_path.strip("/") if base_path.strip("/") else ""
    api = FieldApi(engine, limit or RateLimit())
    sources = streets or turfmap.street_sources(load_settings().data_dir)
    works: dict[str, Work] = {**ROUTES, "carte": lambda e, token, _data: map_json(e, token, sources)}
    return [*page.page_routes(base + page.FIELD_PAGE.rstrip("/")),
            *(api.route(f"{base}/api/terrain/{name}", work, METHODS[name]) for name, work in works.items()),
            Route(f"{base}/api/terrain/{{rest:path}}", elsewhere, methods=ANY_METHOD)]
