"""Provenance and names of a territory built from a city's files (issue 22, items 4 and 8): the map
caption names the contours file actually used, the default name is the commune's official name."""

from __future__ import annotations

import json
import shutil

import pytest

from lib.datasets.__main__ import main as build_cli

from .helpers import RAW_DIR

BREST = RAW_DIR / "brest_lfi"
BREST_CONTOURS = BREST / "Legislatives2024_BureauxVoteBrest.geojson"
BREST_FLAGS = ["--contours-commune", "DEPCO", "--contours-bureau", "BVOTE"]


@pytest.fixture
def brest_folder(tmp_path):
    """Brest's own contours and the real MinInt 2024 1st round, as a user downloads them."""
    folder = tmp_path / "brest"
    folder.mkdir()
    for path in (BREST_CONTOURS, BREST / "Legislatives2024_circos23-tour1.csv"):
        shutil.copy(path, folder / path.name)
    return folder


def built(tmp_path, folder, *flags: str) -> dict:
    code = build_cli(["--commune", "29019", "--from", str(folder), "--out", str(tmp_path / "out"), *BREST_FLAGS, *flags])
    assert code == 0
    return json.loads((tmp_path / "out" / "commune-29019" / "metadata.json").read_text(encoding="utf-8"))


def test_the_contours_title_flag_is_the_map_caption(brest_folder, tmp_path):
    meta = built(tmp_path, brest_folder, "--contours-title", "Périmètres des bureaux de vote 2024 (Brest métropole)")
    assert meta["reference_map"] == "Périmètres des bureaux de vote 2024 (Brest métropole)"
    assert meta["sources"][0]["title"] == meta["reference_map"]


def test_without_a_title_the_caption_names_the_city_file_used(brest_folder, tmp_path):
    meta = built(tmp_path, brest_folder, "--contours-publisher", "Brest métropole")
    assert "Proposition de contours" not in meta["reference_map"]
    assert meta["reference_map"] == ("Contours des bureaux de vote : Legislatives2024_BureauxVoteBrest.geojson "
                                     "(Brest métropole)")
