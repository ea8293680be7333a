"""How long field returns are kept: election day + ``retention_days``, then erased (CNIL).

Why a module of its own: the same date decides what creation refuses, when phones and paper
returns stop being accepted, what « Suivi du terrain » announces and what the start purges,
so a campaign's returns are never erased without it having been said beforehand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lib.errors import TerrainError

SOON_DAYS = 14  # « Suivi du terrain » warns this many days before the erasure
CLOSED = ("Cette campagne est close : le scrutin est passé et la durée de conservation des retours est "
          "écoulée. Plus aucun retour n'est enregistré (rien n'a été noté) ; les retours déjà reçus vont être "
          "effacés. Prévenez la personne qui organise votre sortie.")
PAPER_CLOSED = ("campagne close : la durée de conservation des retours est écoulée (voir « Suivi du terrain »). "
                "Ces retours papier ne sont pas enregistrés (rien n'a été noté).")


def erase_day(election_date: date | None, retention_days: int) -> date | None:
    """The day the campaign's field returns stop being accepted and are erased (None: kept until purged)."""
    return None if election_date is None else election_date + timedelta(days=int(retention_days))


def is_expired(election_date: date | None, retention_days: int, today: date | None = None) -> bool:
    """True from the erasure day on: nothing more is recorded, the next start erases the returns."""
    day = erase_day(election_date, retention_days)
    return day is not None and day <= (today or date.today())


def check(election_date: date | None, retention_days: int, today: date | None = None) -> str:
    """Refuse an election day whose retention is already over (its returns would be erased at the
    next start); return a French warning when the day is past but the returns still kept ("" else)."""
    if retention_days < 0:
        raise TerrainError("la durée de conservation doit être positive ou nulle.")
    today = today or date.today()
    day = erase_day(election_date, retention_days)
    if day is None:
        return ""
    if day <= today:
        raise TerrainError(f"la durée de conservation des retours est déjà écoulée (scrutin du {election_date:%d/%m/%Y} "
                           f"+ {retention_days} jours = {day:%d/%m/%Y}) : les retours de terrain de cette campagne "
                           "seraient refusés puis effacés au prochain démarrage du serveur. Indiquez le jour du "
                           "prochain scrutin, ou allongez la durée de conservation.")
    if election_date >= today:  # type: ignore[operator]
        return ""
    return (f"Le scrutin du {election_date:%d/%m/%Y} est passé : les retours de terrain seront effacés le "
            f"{day:%d/%m/%Y}, et plus rien ne sera enregistré à partir de cette date.")


@dataclass(frozen=True)
class Notice:
    """What « Suivi du terrain » says about the erasure: ``level`` is info, warning or error."""

    level: str
    text: str


def notice(election_date: date | None, retention_days: int, today: date | None = None) -> Notice:
    """The erasure date of the returns, said plainly, louder when it is close or passed."""
    today = today or date.today()
    day = erase_day(election_date, retention_days)
    if day is None:
        return Notice("info", "Aucun jour de scrutin indiqué : les retours de terrain sont gardés jusqu'à ce que "
                              "vous les effaciez. Indiquez le jour du scrutin (« Gérer la campagne ») pour qu'ils "
                              "soient effacés automatiquement après la durée de conservation.")
    if day <= today:
        return Notice("error", f"Durée de conservation écoulée le {day:%d/%m/%Y} : les téléphones et les retours "
                               "papier n'enregistrent plus rien, et les retours de terrain seront effacés au "
                               "prochain démarrage du serveur.")
    left = (day - today).days
    text = (f"Les retours de terrain seront effacés le {day:%d/%m/%Y} (scrutin du {election_date:%d/%m/%Y} "
            f"+ {retention_days} jours de conservation) ; à partir de cette date, plus rien n'est enregistré.")
    if left <= SOON_DAYS:
        return Notice("warning", f"Dans {left} jour{'s' if left > 1 else ''} : {text[0].lower()}{text[1:]} "
                                 "Pour les garder plus longtemps, allongez la durée de conservation.")
    return Notice("info", text)


def on_creation(election_date: date | None, retention_days: int, today: date | None = None) -> Notice:
    """What to say once a campaign is created: a warning for a past election day, else its erasure date."""
    past = check(election_date, retention_days, today)
    if past:
        return Notice("warning", past)
    return notice(election_date, retention_days, today)
