"""Campaign access keys: when several campaigns share a server, each may carry its own key.

A campaign without a key is open to whoever passes the server's password (or reaches the server
when it has none); a campaign with a key opens only in a session that typed it
(:mod:`lib.ui.workspace`). Only a salted hash is stored (:func:`lib.access.hash_key`); the
backup file does not carry it.
"""

from __future__ import annotations

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from lib import access
from lib.errors import TerrainError
from lib.store.backup import duplicate_campaign
from lib.store.db import read, write
from lib.store.models import Campaign

GONE = "cette campagne n'existe pas (ou plus) sur ce serveur."


def set_access_key(engine: Engine, campaign_id: int, key: str | None) -> None:
    """Give the campaign a key (replacing its old one), or remove it (``None``)."""
    stored = None if key is None else access.hash_key(key)

    def work(s: Session) -> None:
        if not s.execute(update(Campaign).where(Campaign.id == campaign_id).values(access_hash=stored)).rowcount:
            raise TerrainError(GONE)
    write(engine, work)


def key_opens(engine: Engine, campaign_id: int, key: str) -> bool:
    """Whether ``key`` is the campaign's access key (False for a campaign without one: nothing to unlock)."""
    stored = read(engine, lambda s: s.scalar(select(Campaign.access_hash).where(Campaign.id == campaign_id)))
    return stored is not None and access.key_matches(key, stored)


def protected_campaigns(engine: Engine) -> frozenset[int]:
    """Ids of the campaigns that carry an access key."""
    return read(engine, lambda s: frozenset(int(i) for i in s.scalars(
        select(Campaign.id).where(Campaign.access_hash.is_not(None)))))


def duplicate_with_key(engine: Engine, campaign_id: int, name: str) -> int:
    """A copy of a campaign that keeps its access key: a copy must not open what the original kept closed."""
    new = duplicate_campaign(engine, campaign_id, name)
    write(engine, lambda s: s.execute(update(Campaign).where(Campaign.id == new).values(
        access_hash=select(Campaign.access_hash).where(Campaign.id == campaign_id).scalar_subquery())))
    return new
