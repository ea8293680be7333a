"""A newcomer with a city's own files and only the README: real Brest métropole contours (city
property names) and the real MinInt législatives 2024 results → the README's command → the dataset
loads, the priority is computed and the map page renders."""

from __future__ import annotations

import shlex
import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.build.__main__ import main as build_cli
from lib.config import load_settings
from lib.dataset import load_territory

from .conftest import PROJECT, RAW_DIR
from .test_pages import bureau_colours

BREST = RAW_DIR / "brest_lfi"
FILES = ("Legislatives2024_BureauxVoteBrest.geojson", "Legislatives2024_circos23-tour1.csv",
         "Legislatives2024_circos23-tour2.csv")


def readme_command(territory: str) -> list[str]:
    """The README's command line for a city's files (the one that builds ``territory``), as argv."""
    lines = [ln for ln in (PROJECT / "README.md").read_text(encoding="utf-8").splitlines()
             if "--contours-bureau" in ln and f"--commune {territory}" in ln]
    assert lines, "the README gives no command for a city's own files"
    argv = shlex.split(lines[0])
    assert argv[:3] == [".venv/bin/python", "-m", "lib.build"]
    return argv[3:]


@pytest.fixture
def clean_caches():
    """The app's settings and datasets are cached per process: start and end clean."""
    load_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    load_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def test_brest_from_the_city_files_with_the_readme_command(tmp_path, monkeypatch, clean_caches):
    folder, data = tmp_path / "brest", tmp_path / "data"
    folder.mkdir()
    for name in FILES:
        shutil.copy(BREST / name, folder / name)
    argv = [str(folder) if a == "DOSSIER" else a for a in readme_command("29019")]
    assert build_cli([*argv, "--out", str(data)]) == 0

    territory = load_territory(data, "commune-29019")
    assert len(territory.bureaux) == 104 and territory.name == "Brest (29019)"
    assert territory.metadata["sources"][0]["licence"] == "ODbL"

    monkeypatch.setenv("TERRAIN_DATA_DIR", str(data))
    load_settings.cache_clear()
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params["t"] = "commune-29019"
    at.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(bureau_colours(at)) == 104
    assert len(set(map(str, bureau_colours(at)))) > 1  # a real priority, not one flat colour
