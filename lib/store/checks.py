"""What users hand the store, checked before anything is written: a campaign backup (whole:
schema, types, sizes, ranges), a phone's taps and totals (:mod:`lib.store.returns`).

Why: a backup is a file a user hands to the server, possibly edited by hand or by someone else.
Trusted as it was, it brought another campaign's turf id into « Suivi du terrain », negative or
overflowing counts, a 5 MB name, text where counts belong, a negative retention (rows purged at
the next start) and nested JSON the database refused half-way. Every field is declared here once
(type, size, range); the check walks the whole file, collects every problem with where it is
(table, row, field: never the value itself, which may be hostile) and returns plain values ready
to insert (dates parsed), or raises one French :class:`TerrainError` and nothing is written.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime

from lib import fr
from lib.doors import DOOR_STATUSES, MAX_TURF_TOTAL, STOP_MAX, totals_cap
from lib.errors import TerrainError
from lib.holdout import CONTROL, VISIT
from lib.store.models import utcnow

NAME_MAX = 200  # campaign, scenario and plan names, organiser, team (the columns' sizes)
LABEL_MAX = 500  # an address as printed on a walk list
VALUE_MAX = 2_000  # one value of a saved view or of a plan's settings
RETENTION_MAX_DAYS = 3_650  # what « Gérer la campagne » accepts
ESTIMATE_MAX = 100_000  # voters or doors estimated at one address, metres or minutes of a turf
ROWS_MAX = {"scenarios": 1_000, "plans": 1_000, "turfs": 5_000, "addresses": 10_000, "taps": 100_000,
            "reports": 10_000, "bureaux": 100_000, "holdout": 100_000, "keys": 200}
PROBLEMS_SHOWN = 8
TURF_STATUSES = ("a_faire", "attribuee", "faite")
NUMBERS = (int, float)
IDENTIFIER = re.compile(r"[a-z_]{1,40}")  # a field name safe to quote back (never a hostile text)


class Bad(ValueError):
    """One field's problem, in French (its place is added by the caller)."""


Field = Callable[[object], object]


def _kind(value: object) -> str:
    names = {str: "un texte", bool: "un booléen", int: "un nombre", float: "un nombre", list: "une liste",
             dict: "un objet JSON", type(None): "une valeur vide"}
    return names.get(type(value), "une valeur d'un autre type")


def text(max_len: int = NAME_MAX, *, required: bool = False) -> Field:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise Bad(f"texte attendu, trouvé {_kind(value)}")
        if len(value) > max_len:
            raise Bad(f"texte trop long ({fr.number(len(value))} caractères, {fr.number(max_len)} au plus)")
        if "\x00" in value:
            raise Bad("caractère nul dans le texte")
        if required and not value.strip():
            raise Bad("texte vide")
        return value
    return check


def integer(low: int, high: int) -> Field:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # numpy integers too
            raise Bad(f"nombre entier attendu, trouvé {_kind(value)}")
        if not low <= int(value) <= high:
            raise Bad(f"nombre hors limites (attendu entre {fr.number(low)} et {fr.number(high)})")
        return int(value)
    return check


def number(low: float, high: float) -> Field:
    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, NUMBERS):
            raise Bad(f"nombre attendu, trouvé {_kind(value)}")
        if not math.isfinite(value) or not low <= value <= high:
            raise Bad(f"nombre hors limites (attendu entre {fr.number(low)} et {fr.number(high)})")
        return value if isinstance(value, int) else float(value)
    return check


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise Bad(f"vrai ou faux attendu, trouvé {_kind(value)}")
    return value


def choice(values: Collection[str]) -> Field:
    def check(value: object) -> str:
        if value not in values:
            raise Bad("valeur inconnue (attendu : " + ", ".join(values) + ")")
        return str(value)
    return check


def day(value: object) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(text(10)(value))
    except ValueError:
        raise Bad("date attendue (aaaa-mm-jj)") from None


def moment(value: object) -> datetime:
    """A time stamp (naive UTC, as stored); missing → now."""
    if value is None:
        return utcnow()
    try:
        when = datetime.fromisoformat(text(40)(value))
    except ValueError:
        raise Bad("date et heure attendues (aaaa-mm-jjThh:mm:ss)") from None
    return when if when.tzinfo is None else when.astimezone(UTC).replace(tzinfo=None)


def scalar(max_len: int = VALUE_MAX) -> Field:
    """A text, number, boolean or nothing: never a nested object or list."""
    def check(value: object) -> object:
        if isinstance(value, (dict, list)):
            raise Bad("objet ou liste imbriqués refusés")
        if isinstance(value, str):
            return text(max_len)(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise Bad("nombre infini ou indéfini")
        return value
    return check


def flat(values: Field, *, keys: Collection[str] | None = None, key_max: int = 100) -> Field:
    """A JSON object of plain values (``keys``: the only keys allowed)."""
    def check(value: object) -> dict:
        if not isinstance(value, dict):
            raise Bad(f"objet JSON attendu, trouvé {_kind(value)}")
        if len(value) > ROWS_MAX["keys"]:
            raise Bad(f"trop de clés ({fr.number(len(value))})")
        out = {}
        for key, item in value.items():
            if len(key) > key_max or (keys is not None and key not in keys):
                raise Bad("clé inconnue ou trop longue")
            out[key] = values(item)
        return out
    return check


def listed(item: Field, limit: str, *, nullable: bool = False) -> Field:
    def check(value: object) -> list | None:
        if value is None and nullable:
            return None
        if not isinstance(value, list):
            raise Bad(f"liste attendue, trouvé {_kind(value)}")
        if len(value) > ROWS_MAX[limit]:
            raise Bad(f"liste trop longue ({fr.number(len(value))} éléments, {fr.number(ROWS_MAX[limit])} au plus)")
        return [item(v) for v in value]
    return check


def estimate(value: object) -> float:
    return number(0, ESTIMATE_MAX)(value)


STAMPS: dict[str, Field] = {"name": text(required=True), "organiser": text(), "archived": boolean,
                            "created_at": moment, "updated_at": moment}
COUNT = integer(0, MAX_TURF_TOTAL)
SETTING_MAX = 1e9  # a plan's capacity settings (volunteers, hours, doors…) are numbers


def setting(value: object) -> float | None:
    """One of a plan's capacity settings: a number or nothing (Suivi computes with them)."""
    return None if value is None else number(0, SETTING_MAX)(value)  # type: ignore[return-value]


def holdout_row(value: object) -> dict:
    """A bureau of a holdout design: its id, stratum and group (visited or control)."""
    row = flat(scalar(64), keys=("bureau_id", "strate", "groupe"))(value)
    if set(row) != {"bureau_id", "strate", "groupe"}:
        raise Bad("bureau_id, strate et groupe attendus")
    return {"bureau_id": text(32, required=True)(row["bureau_id"]), "strate": integer(0, STOP_MAX)(row["strate"]),
            "groupe": choice((VISIT, CONTROL))(row["groupe"])}



SUMMARY = {"bureaux": text(VALUE_MAX), "adresses": estimate, "portes_estimees": estimate,
           "inscrits_estimes": estimate, "parcours_m": number(0, 10 * ESTIMATE_MAX), "minutes_estimees": estimate}
TABLES: dict[str, dict[str, Field]] = {
    "campaign": {"territory": text(100, required=True), **STAMPS, "election_date": day,
                 "retention_days": integer(0, RETENTION_MAX_DAYS)},
    "scenario": {**STAMPS, "query": flat(text(VALUE_MAX))},
    "plan": {**STAMPS, "bureaux": listed(text(32), "bureaux"), "holdout": listed(holdout_row, "holdout", nullable=True),
             "settings": flat(setting)},
    "turf": {"code": text(20, required=True), "status": choice(TURF_STATUSES), "team": text(),
             "planned_date": day, "summary": lambda v: _summary(v)},
    "address": {"stop": integer(1, STOP_MAX), "address_id": text(64, required=True), "bureau_id": text(32),
                "label": text(LABEL_MAX), "lon": number(-180, 180), "lat": number(-90, 90),
                "est_voters": estimate, "est_doors": estimate, "housing": text(20)},
    "tap": {"tap_id": text(64, required=True), "status": choice(tuple(DOOR_STATUSES)), "source": text(20),
            "recorded_at": moment, "stop": integer(1, STOP_MAX)},
    "report": {"report_id": text(64, required=True), "conversations": COUNT, "interested": COUNT,
               "proxies": COUNT, "recorded_at": moment},
}
CHILDREN = {"campaign": (), "scenario": (), "plan": ("turfs",), "turf": ("addresses", "taps", "reports"),
            "address": (), "tap": (), "report": ()}


def _summary(value: object) -> dict:
    """The estimates saved with a turf: known keys only (an ``id`` here once replaced the turf's own)."""
    if not isinstance(value, dict):
        raise Bad(f"objet JSON attendu, trouvé {_kind(value)}")
    unknown = [k for k in value if k not in SUMMARY]
    if unknown:
        raise Bad("clé inconnue dans le résumé du parcours")
    return {k: SUMMARY[k](v) for k, v in value.items()}


class Checker:
    """Walks a backup document, collecting every problem with its place."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def say(self, where: str, message: str) -> None:
        self.problems.append(f"{where} : {message}")

    def row(self, table: str, raw: object, where: str) -> dict:
        """One row of ``table``: every declared field present and valid, nothing else."""
        if not isinstance(raw, dict):
            self.say(where, f"objet JSON attendu, trouvé {_kind(raw)}")
            return {}
        fields = TABLES[table]
        out: dict = {}
        for key in raw:
            if key not in fields and key not in CHILDREN[table]:
                named = f" « {key} »" if IDENTIFIER.fullmatch(str(key)) else ""
                self.say(where, f"champ inconnu{named}")
        for key, check in fields.items():
            if key not in raw:
                self.say(where, f"champ « {key} » manquant")
                continue
            try:
                out[key] = check(raw[key])
            except Bad as bad:
                self.say(f"{where}, champ « {key} »", str(bad))
        return out

    def rows(self, raw: object, limit: str, where: str) -> list:
        if not isinstance(raw, list):
            self.say(where, f"liste attendue, trouvé {_kind(raw)}")
            return []
        if len(raw) > ROWS_MAX[limit]:
            self.say(where, f"{fr.number(len(raw))} lignes, {fr.number(ROWS_MAX[limit])} au plus")
            return []
        return raw

    def unique(self, rows: list[dict], key: str, where: str) -> None:
        seen: set = set()
        for n, row in enumerate(rows, 1):
            if key in row and row[key] in seen:
                self.say(f"{where}, ligne {n}, champ « {key} »", "valeur en double")
            seen.add(row.get(key))

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        shown = "\n".join(f"- {p}" for p in self.problems[:PROBLEMS_SHOWN])
        more = len(self.problems) - PROBLEMS_SHOWN
        tail = f"\n- … et {fr.counted(more, 'autre problème', 'autres problèmes')}." if more > 0 else ""
        raise TerrainError(f"sauvegarde refusée, rien n'a été importé ({fr.counted(len(self.problems), 'problème', 'problèmes')}) :\n"
                           f"{shown}{tail}")


def _turf(c: Checker, raw: dict, where: str) -> dict:
    turf = c.row("turf", raw, where)
    addresses = [c.row("address", a, f"{where}, adresse n° {n}")
                 for n, a in enumerate(c.rows(raw.get("addresses", []), "addresses", f"{where}, adresses"), 1)]
    c.unique(addresses, "stop", f"{where}, adresses")
    taps = [c.row("tap", t, f"{where}, passage n° {n}")
            for n, t in enumerate(c.rows(raw.get("taps", []), "taps", f"{where}, passages"), 1)]
    c.unique(taps, "tap_id", f"{where}, passages")
    stops = {a.get("stop") for a in addresses}
    for n, tap in enumerate(taps, 1):
        if "stop" in tap and tap["stop"] not in stops:
            c.say(f"{where}, passage n° {n}, champ « stop »", "adresse absente de ce parcours")
    reports = [c.row("report", r, f"{where}, totaux n° {n}")
               for n, r in enumerate(c.rows(raw.get("reports", []), "reports", f"{where}, totaux"), 1)]
    c.unique(reports, "report_id", f"{where}, totaux")
    cap = totals_cap(len(addresses), sum(a.get("est_doors", 0.0) for a in addresses))
    for key in ("conversations", "interested", "proxies"):
        if sum(r.get(key, 0) for r in reports) > cap:
            c.say(f"{where}, totaux, champ « {key} »",
                  f"total supérieur à ce que le parcours permet ({fr.number(cap)} au plus)")
    return {**turf, "addresses": addresses, "taps": taps, "reports": reports}


def _plan(c: Checker, raw: dict, where: str) -> dict:
    plan = c.row("plan", raw, where)
    turfs = [_turf(c, t, f"{where}, parcours n° {n}") if isinstance(t, dict)
             else c.row("turf", t, f"{where}, parcours n° {n}")
             for n, t in enumerate(c.rows(raw.get("turfs", []) if isinstance(raw, dict) else [], "turfs",
                                          f"{where}, parcours"), 1)]
    c.unique(turfs, "code", f"{where}, parcours")
    return {**plan, "turfs": turfs}


def checked_backup(doc: Mapping, territories: Collection[str] | None) -> dict:
    """The backup's campaign, scenarios and plans as plain values ready to insert, or a French
    :class:`TerrainError` listing every problem (table, row, field). ``territories``: the ones this
    server knows (None: not checked, for a copy of a campaign already here)."""
    c = Checker()
    campaign = c.row("campaign", doc.get("campaign"), "campagne")
    if territories is not None and "territory" in campaign and campaign["territory"] not in territories:
        c.say("campagne, champ « territory »", "territoire inconnu sur ce serveur (construisez-le d'abord depuis "
                                               "« Nouveau territoire »)")
    scenarios = [c.row("scenario", s, f"scénario n° {n}")
                 for n, s in enumerate(c.rows(doc.get("scenarios"), "scenarios", "scénarios"), 1)]
    plans = [_plan(c, p, f"plan n° {n}")
             for n, p in enumerate(c.rows(doc.get("plans"), "plans", "plans"), 1)]
    c.raise_if_any()
    return {"campaign": campaign, "scenarios": scenarios, "plans": plans}
