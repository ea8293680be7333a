"""What a phone may send, checked at the door of the API before anything reaches the store.

Why here and not only in the store: a request is refused as a whole, with a French message,
when its shape is wrong (wrong types, NaN, 1e308, a thousand taps at once), so that nothing of
it is stored. The store checks values again (:mod:`lib.store.returns`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import NamedTuple

from lib import fr
from lib.doors import DOOR_STATUSES, MAX_TURF_TOTAL, TURF_TOTALS
from lib.errors import TerrainError

MAX_BODY = 64 * 1024  # bytes: 200 taps are ~20 kB
MAX_TAPS = 200  # per batch: an outbox holding more sends it in several batches
MAX_STOP = 100_000
CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # a tap's or a report's id, made by the page
EARLIEST = datetime(2020, 1, 1)  # a tap dated before this comes from a phone whose clock is wrong


class BadRequest(TerrainError):
    """A request refused as sent (HTTP 400): nothing of it is stored."""


class Tap(NamedTuple):
    """One door status as a phone sends it."""

    id: str
    stop: int
    status: str
    at: datetime  # naive UTC, like the store's times


def parse_json(body: bytes) -> dict:
    """A JSON object, or a French refusal (NaN and Infinity are not JSON and are refused)."""
    if len(body) > MAX_BODY:
        raise BadRequest(f"envoi trop gros ({fr.number(len(body))} octets ; {fr.number(MAX_BODY)} au plus).")

    def no_constant(name: str) -> None:
        raise BadRequest(f"valeur « {name} » refusée : un nombre est attendu.")
    try:
        data = json.loads(body, parse_constant=no_constant)
    except (ValueError, RecursionError):
        raise BadRequest("envoi illisible : un objet JSON est attendu.") from None
    if not isinstance(data, dict):
        raise BadRequest("envoi illisible : un objet JSON est attendu.")
    return data


def is_count(value: object) -> bool:
    """A JSON integer (not true/false, not 3.0, not 1e308)."""
    return isinstance(value, int) and not isinstance(value, bool)


def client_id(value: object, what: str) -> str:
    """The id a page made for a submission (so that a resend is recognised)."""
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        raise BadRequest(f"{what} : identifiant de saisie invalide (rechargez la page).")
    return value


def moment(value: object, what: str) -> datetime:
    """An ISO 8601 time with its zone (``2026-03-14T10:02:03.120Z``), as naive UTC."""
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise BadRequest(f"{what} : heure illisible (format ISO avec fuseau attendu).")
    at = at.astimezone(UTC).replace(tzinfo=None)
    if at < EARLIEST:
        raise BadRequest(f"{what} : heure impossible ({at:%d/%m/%Y}) ; vérifiez l'horloge du téléphone.")
    return at


def tap_of(item: object, n: int) -> Tap:
    """The ``n``-th tap of a batch: {"id", "stop", "status", "at"}."""
    what = f"saisie {n}"
    if not isinstance(item, dict):
        raise BadRequest(f"{what} : un objet {{id, stop, status, at}} est attendu.")
    stop, status = item.get("stop"), item.get("status")
    if not is_count(stop) or not 1 <= stop <= MAX_STOP:
        raise BadRequest(f"{what} : numéro d'adresse invalide.")
    if not isinstance(status, str) or status not in DOOR_STATUSES:
        raise BadRequest(f"{what} : statut de porte inconnu (attendu : {', '.join(DOOR_STATUSES)}).")
    return Tap(client_id(item.get("id"), what), stop, status, moment(item.get("at"), what))


def taps_of(data: dict) -> list[Tap]:
    """The batch of a ``POST /api/terrain/portes``: 1 to :data:`MAX_TAPS` taps, all well formed."""
    taps = data.get("taps")
    if not isinstance(taps, list) or not taps:
        raise BadRequest("« taps » doit être une liste non vide de saisies.")
    if len(taps) > MAX_TAPS:
        raise BadRequest(f"trop de saisies d'un coup ({fr.number(len(taps))} ; {MAX_TAPS} au plus) : "
                         "rien n'a été enregistré.")
    return [tap_of(item, n) for n, item in enumerate(taps, 1)]


def report_of(data: dict) -> tuple[str, dict[str, int]]:
    """The turf totals of a ``POST /api/terrain/bilan``: its id and one whole count per total."""
    counts = {}
    for key, label in TURF_TOTALS.items():
        value = data.get(key)
        if not is_count(value) or not 0 <= value <= MAX_TURF_TOTAL:
            raise BadRequest(f"« {label} » : un nombre entier entre 0 et {fr.number(MAX_TURF_TOTAL)} est attendu. "
                             "Rien n'a été enregistré.")
        counts[key] = value
    return client_id(data.get("id"), "totaux"), counts


def team_of(data: dict) -> tuple[str, bool]:
    """The team of a ``POST /api/terrain/pris`` and whether it takes over another team's turf."""
    team, force = data.get("team"), data.get("force", False)
    if not isinstance(team, str) or not isinstance(force, bool):
        raise BadRequest("« team » (texte) est attendu, et « force » vrai ou faux.")
    return team, force
