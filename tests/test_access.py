"""Access (issue 22 item 14): repeated wrong passwords are slowed down then locked out, per client;
a campaign may carry its own access key, and a link naming it does not open it without the key.

Store tests run on SQLite and PostgreSQL (``store_engine`` fixture).
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from lib import access, store
from lib.errors import TerrainError
from lib.ui import shell, workspace

from .helpers import PROJECT, TIMEOUT, open_page, requires_dataset

KEY = "rouge gorge du matin"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


# --- the throttle ---------------------------------------------------------------------------------

def test_wrong_passwords_wait_longer_and_longer_then_lock_out():
    clock = Clock()
    tries = access.Throttle(clock)
    waits = [tries.failed("1.2.3.4") for _ in range(access.LOCK_AFTER)]
    assert waits[:access.FREE_TRIES] == [0.0] * access.FREE_TRIES
    growing = waits[access.FREE_TRIES:access.LOCK_AFTER - 1]
    assert growing == sorted(growing) and growing[0] > 0 and max(growing) <= access.MAX_WAIT_S
    assert waits[-1] == access.LOCKOUT_S
    clock.now += access.LOCKOUT_S - 1
    assert tries.wait("1.2.3.4") == 1
    clock.now += 1
    assert tries.wait("1.2.3.4") == 0


def test_a_right_password_forgets_the_failures():
    tries = access.Throttle(Clock())
    for _ in range(access.FREE_TRIES + 2):
        tries.failed("a")
    tries.succeeded("a")
    assert tries.wait("a") == 0 and tries.failed("a") == 0


def test_each_client_waits_for_its_own_failures_only():
    tries = access.Throttle(Clock())
    for _ in range(access.LOCK_AFTER):
        tries.failed("guesser")
    assert tries.wait("guesser") > 0
    assert tries.wait("organiser") == 0


def test_failures_are_forgotten_after_an_hour_of_silence():
    clock = Clock()
    tries = access.Throttle(clock)
    for _ in range(access.FREE_TRIES + 1):
        tries.failed("a")
    clock.now += access.FORGET_AFTER_S + 1
    assert tries.wait("a") == 0
    assert tries.failed("a") == 0  # counted from one again


def test_the_throttle_remembers_a_bounded_number_of_clients(monkeypatch):
    monkeypatch.setattr(access, "MAX_CLIENTS", 100)
    tries = access.Throttle(Clock())
    for n in range(1_000):
        tries.failed(f"10.0.{n // 250}.{n % 250}")
    assert len(tries._tries) == 100


def test_the_wait_is_said_in_french():
    assert access.wait_text(access.LOCKOUT_S) == "Trop d'essais incorrects : réessayez dans 15 min."
    assert access.wait_text(2.5) == "Trop d'essais incorrects : réessayez dans 3 s."


# --- campaign keys in the store ------------------------------------------------------------------

def test_a_campaign_key_is_kept_hashed_and_opens_only_its_campaign(store_engine):
    a = store.create_campaign(store_engine, "paris", "A")
    b = store.create_campaign(store_engine, "paris", "B")
    store.set_access_key(store_engine, a, KEY)
    assert store.protected_campaigns(store_engine) == frozenset({a})
    assert store.key_opens(store_engine, a, KEY)
    assert not store.key_opens(store_engine, a, "rouge gorge du soir")
    assert not store.key_opens(store_engine, b, KEY)
    with store_engine.connect() as conn:
        stored = conn.execute(text("SELECT access_hash FROM campaign WHERE id = :a"), {"a": a}).scalar()
    assert KEY not in stored and stored.startswith("scrypt$")


def test_a_short_key_is_refused_in_french(store_engine):
    cid = store.create_campaign(store_engine, "paris", "A")
    with pytest.raises(TerrainError, match="8 caractères au moins"):
        store.set_access_key(store_engine, cid, "abc")
    assert store.protected_campaigns(store_engine) == frozenset()


def test_removing_the_key_opens_the_campaign_to_all(store_engine):
    cid = store.create_campaign(store_engine, "paris", "A")
    store.set_access_key(store_engine, cid, KEY)
    store.set_access_key(store_engine, cid, None)
    assert store.protected_campaigns(store_engine) == frozenset()


def test_a_copy_keeps_the_key_and_a_backup_does_not_carry_it(store_engine):
    cid = store.create_campaign(store_engine, "paris", "A")
    store.set_access_key(store_engine, cid, KEY)
    copy = store.duplicate_with_key(store_engine, cid, "A (copie)")
    assert store.key_opens(store_engine, copy, KEY)
    backup = store.export_campaign(store_engine, cid)
    assert "scrypt" not in backup.decode() and "access" not in json.dumps(json.loads(backup)["campaign"])


# --- the pages ----------------------------------------------------------------------------------

@pytest.fixture
def engine(tmp_path, monkeypatch):
    """This test's own workspace database, the one the pages open too."""
    url = f"sqlite:///{tmp_path / 'terrain.sqlite3'}"
    monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
    eng = store.open_store(url)
    workspace._protected.clear()
    yield eng
    eng.dispose()


def guess(at: AppTest, clock: Clock, seconds: float) -> int:
    """A guesser typing a wrong password every second it is let, for ``seconds``; the tries it got."""
    tried, until = 0, clock.now + seconds
    while clock.now < until:
        field = at.text_input(key="w_password")
        if field.disabled:
            at.run()
        else:
            field.input(f"essai {tried}").run()
            tried += 1
        clock.now += 1
    return tried


@requires_dataset("paris")
def test_wrong_passwords_are_slowed_down_then_locked_out_in_french(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(shell, "PASSWORD_TRIES", access.Throttle(clock))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=TIMEOUT)
    at.secrets["terrain"] = {"password": "s3cret"}
    at.run()
    assert guess(at, clock, 29) < 10  # it was 25 tries in 29 s
    assert any("Trop d'essais incorrects : réessayez dans" in e.value for e in at.error)
    guess(at, clock, 300)
    assert any(re.search(r"réessayez dans 1\d min", e.value) for e in at.error)  # locked out for 15 min
    assert at.text_input(key="w_password").disabled
    clock.now += access.LOCKOUT_S
    at.run()
    at.text_input(key="w_password").input("s3cret").run()
    assert not any("accès réservé" in t.value for t in at.title)


@requires_dataset("paris")
def test_a_link_naming_a_protected_campaign_does_not_open_it_without_its_key(engine, monkeypatch):
    monkeypatch.setattr(workspace, "KEY_TRIES", access.Throttle(Clock()))
    cid = store.create_campaign(engine, "paris", "Équipe A")
    store.save_scenario(engine, cid, "Secret de l'équipe A", {"t": "paris"})
    store.set_access_key(engine, cid, KEY)
    at = open_page("pages/suivi.py", campaign=cid)
    assert any("protégée par sa propre clé" in w.value for w in at.sidebar.warning)
    assert any("Choisissez ou créez une campagne" in i.value for i in at.info)  # nothing of it is shown
    at.text_input(key="w_campaign_key").input("pas la bonne clé").run()
    assert any("Clé incorrecte" in e.value for e in at.sidebar.error)
    at.text_input(key="w_campaign_key").input(KEY).run()
    assert not at.exception, at.exception
    assert not any("Choisissez ou créez une campagne" in i.value for i in at.info)
    assert at.selectbox(key="w_manage_scenario").options == ["Secret de l'équipe A"]


@requires_dataset("paris")
def test_the_sidebar_says_who_sees_which_campaign(engine):
    cid = store.create_campaign(engine, "paris", "Équipe A")
    store.create_campaign(engine, "paris", "Équipe B")
    store.set_access_key(engine, cid, KEY)
    at = open_page("pages/carte.py", {"t": "paris"})
    said = " ".join(c.value for c in at.sidebar.caption)
    assert "Campagnes sans clé : visibles par toute personne qui ouvre ce serveur" in said
    assert "🔒 Campagne à clé : s'ouvre seulement dans une session qui a saisi sa clé" in said
    assert "🔒 Équipe A" in at.selectbox(key="w_campaign").options
