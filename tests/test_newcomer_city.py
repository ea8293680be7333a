"""A newcomer with a city's own files and only the README: real Brest métropole contours (city
property names) and the real MinInt législatives 2024 results → the README's command → the dataset
loads, the priority is computed and the map page renders."""

from __future__ import annotations

import shlex
import shutil

from streamlit.testing.v1 import AppTest

from lib.config import load_settings
from lib.dataset import load_territory
from lib.datasets.__main__ import main as build_cli

from .helpers import PROJECT, RAW_DIR, bureau_colours, open_page

BREST = RAW_DIR / "brest_lfi"
FILES = ("Legislatives2024_BureauxVoteBrest.geojson", "Legislatives2024_circos23-tour1.csv",
         "Legislatives2024_circos23-tour2.csv")


def readme_command(territory: str) -> list[str]:
    """The README's command line for a city's files (the one that builds ``territory``), as argv."""
    lines = [ln for ln in (PROJECT / "README.md").read_text(encoding="utf-8").splitlines()
             if "--contours-bureau" in ln and f"--commune {territory}" in ln]
    assert lines, "the README gives no command for a city's own files"
    argv = shlex.split(lines[0])
    assert argv[:3] == [".venv/bin/python", "-m", "lib.datasets"]
    return argv[3:]


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


def page_errors(at: AppTest) -> list[str]:
    """Errors of the page (the app's own « no territory built yet » line is expected: data/ is empty)."""
    return [e.value for e in at.error if not e.value.startswith("Aucun territoire construit")]


def page_on_folder(folder, code: str) -> AppTest:
    """« Nouveau territoire » with a commune code and a server folder given, as a user fills it."""
    at = open_page("pages/nouveau_territoire.py")
    at.text_input(key="w_new_code").input(code).run()
    at.radio(key="w_new_origin").set_value("folder").run()
    at.text_input(key="w_new_folder").input(str(folder)).run()
    return at


def test_the_new_territory_page_offers_the_city_columns_and_builds_with_them(tmp_path, monkeypatch, clean_caches):
    folder, data = tmp_path / "brest", tmp_path / "data"
    folder.mkdir()
    for name in FILES:
        shutil.copy(BREST / name, folder / name)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(data))
    at = page_on_folder(folder, "29019")
    assert at.selectbox(key="w_new_commune_col").options[1:] == ["OBJECTID", "DEPCO", "LIEUV", "LLIEU", "TITRE",
                                                                  "BVOTE", "CANTO", "SHAPE_AREA", "SHAPE_LEN"]
    at.selectbox(key="w_new_commune_col").select("DEPCO")
    at.selectbox(key="w_new_bureau_col").select("BVOTE")
    at.text_input(key="w_new_commune_name").input("Brest")
    at.text_input(key="w_new_publisher").input("Brest métropole")
    at.text_input(key="w_new_licence").input("ODbL").run()
    at.button(key="w_new_build").click().run()
    assert not at.exception, at.exception
    assert not page_errors(at), page_errors(at)
    assert any("104 bureaux" in s.value for s in at.success)
    meta = load_territory(data, "commune-29019").metadata
    assert (meta["sources"][0]["publisher"], meta["sources"][0]["licence"]) == ("Brest métropole", "ODbL")


def test_the_page_takes_the_typed_insee_code_when_the_file_has_no_commune_column(tmp_path, monkeypatch,
                                                                                 clean_caches):
    folder = tmp_path / "toulouse"
    folder.mkdir()
    shutil.copy(RAW_DIR / "toulouse_2026" / "toulouse_bureaux_vote.geojson", folder / "toulouse_bureaux_vote.geojson")
    shutil.copy(BREST / FILES[1], folder / FILES[1])  # a results file: only the contours can stop the build
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path / "data"))
    at = page_on_folder(folder, "31555")
    assert at.selectbox(key="w_new_bureau_col").value == "uniq_bdv"  # suggested
    assert at.text_input(key="w_new_commune_code").value == "31555"  # no commune column: the code typed above
    at.button(key="w_new_build").click().run()
    assert not at.exception, at.exception
    assert any("31555_001A" in c.value for c in at.code)  # the real file's bureau without a shape, mapped id
    assert any("aucun fichier de résultats" in e.value for e in at.error)  # the shape no longer stops it
    assert not any("SQL" in e.value or "terrain_upload" in e.value for e in at.error)
