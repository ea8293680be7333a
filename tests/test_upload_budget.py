"""Time budget of one results upload: checked between stages, driven here by a fake clock (never by
a slow input). The file is the real législatives 2024 T1 extract of Brest."""

from __future__ import annotations

import pytest

from lib import results_import
from lib.errors import TerrainError

from .helpers import RAW_DIR

DATA = (RAW_DIR / "brest_lfi" / "Legislatives2024_circos23-tour1.csv").read_bytes()
KNOWN = {f"29019_{i:04d}" for i in range(1, 105)}


def fake_clock(monkeypatch, times: list[float]) -> None:
    """Each call of the module's clock returns the next time (seconds)."""
    ticks = iter(times)
    monkeypatch.setattr(results_import, "clock", lambda: next(ticks))


def upload() -> results_import.ImportedElection:
    return results_import.import_results(DATA, "brest.csv", election_label="Législatives 2024 T1",
                                         known_bureaux=KNOWN, max_bytes=10**7)


def test_an_upload_within_its_budget_is_imported(monkeypatch):
    fake_clock(monkeypatch, [0.0, 1.0, 2.0, 3.0])
    assert upload().matched == 104


def test_an_upload_past_its_budget_stops_with_a_french_message_naming_the_stage(monkeypatch):
    fake_clock(monkeypatch, [0.0, 2.0, 11.0, 12.0])  # start, after reading, after parsing (over 10 s)
    with pytest.raises(TerrainError) as err:
        upload()
    message = str(err.value)
    assert "import arrêté après l'étape « lecture des résultats »" in message
    assert "limite de 10 s" in message and message.startswith("brest.csv")


def test_the_budget_is_checked_after_the_last_stage_too(monkeypatch):
    fake_clock(monkeypatch, [0.0, 1.0, 2.0, 10.5])
    with pytest.raises(TerrainError, match="rapprochement avec les bureaux du territoire"):
        upload()
