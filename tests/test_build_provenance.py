"""Provenance and names of a territory built from a city's files (issue 22, items 4 and 8): the map
caption names the contours file actually used, the default name is the commune's official name."""

from __future__ import annotations

import itertools
import json
import shutil

import geopandas as gpd
import pytest

from lib import anomalies, criteria
from lib.config import load_settings
from lib.dataset import list_territories, load_territory
from lib.datasets import national
from lib.datasets.__main__ import main as build_cli

from .helpers import DATA_DIR, RAW_DIR, as_read, open_page, requires_dataset

BREST = RAW_DIR / "brest_lfi"
BREST_CONTOURS = BREST / "Legislatives2024_BureauxVoteBrest.geojson"
BREST_FLAGS = ["--contours-commune", "DEPCO", "--contours-bureau", "BVOTE"]


@pytest.fixture
def brest_round1_folder(tmp_path):
    """Brest's own contours and the real MinInt 2024 1st round, as a user downloads them."""
    folder = tmp_path / "brest"
    folder.mkdir()
    for path in (BREST_CONTOURS, BREST / "Legislatives2024_circos23-tour1.csv"):
        shutil.copy(path, folder / path.name)
    return folder


def built(tmp_path, folder, *flags: str, out=None) -> dict:
    out = out or tmp_path / "out"
    code = build_cli(["--commune", "29019", "--from", str(folder), "--out", str(out), *BREST_FLAGS, *flags])
    assert code == 0
    return json.loads((out / "commune-29019" / "metadata.json").read_text(encoding="utf-8"))


def test_the_contours_title_flag_is_the_map_caption(brest_round1_folder, tmp_path):
    meta = built(tmp_path, brest_round1_folder, "--contours-title", "Périmètres des bureaux de vote 2024 (Brest métropole)")
    assert meta["reference_map"] == "Périmètres des bureaux de vote 2024 (Brest métropole)"
    assert meta["sources"][0]["title"] == meta["reference_map"]


def test_without_a_title_the_caption_names_the_city_file_used(brest_round1_folder, tmp_path):
    meta = built(tmp_path, brest_round1_folder, "--contours-publisher", "Brest métropole")
    assert "Proposition de contours" not in meta["reference_map"]
    assert meta["reference_map"] == ("Contours des bureaux de vote : Legislatives2024_BureauxVoteBrest.geojson "
                                     "(Brest métropole)")


HDS = RAW_DIR / "hds_9213_viz"


@pytest.fixture
def antony_folder(tmp_path):
    """92-13 contours and the législatives 2022 2nd round as the OpenDataSoft export republished it
    (the Ministry's columns plus its own: EPCI, région, location…)."""
    folder = tmp_path / "antony"
    folder.mkdir()
    shutil.copy(HDS / "bv_contours_etalab_9213.geojson", folder / "contours-france-entiere-latest-v2.geojson")
    shutil.copy(HDS / "legislatives2022_t2_9213.csv", folder / "legislatives-2022-t2.csv")
    return folder


def antony_sources(tmp_path, folder, *flags: str) -> dict[str, dict]:
    code = build_cli(["--commune", "92002", "--from", str(folder), "--out", str(tmp_path / "out"), *flags])
    assert code == 0
    meta = json.loads((tmp_path / "out" / "commune-92002" / "metadata.json").read_text(encoding="utf-8"))
    return {s["id"]: s for s in meta["sources"]}


def test_results_republished_with_their_own_columns_are_credited_to_the_republisher(antony_folder, tmp_path):
    sources = antony_sources(tmp_path, antony_folder, "--results-publisher", "OpenDataSoft",
                             "--results-licence", "ODbL")
    assert (sources["leg2022t2"]["publisher"], sources["leg2022t2"]["licence"]) == ("OpenDataSoft", "ODbL")
    assert "Code Officiel EPCI" in sources["leg2022t2"]["note"]


def test_republished_results_without_a_named_publisher_are_not_credited_to_the_ministry(antony_folder, tmp_path):
    sources = antony_sources(tmp_path, antony_folder)
    assert "Ministère" not in sources["leg2022t2"]["publisher"]
    assert sources["leg2022t2"]["licence"] != "Licence Ouverte 2.0"


def test_results_in_the_ministry_layout_stay_credited_to_the_ministry(brest_round1_folder, tmp_path):
    meta = built(tmp_path, brest_round1_folder, "--results-publisher", "OpenDataSoft")
    leg = next(s for s in meta["sources"] if s["id"] == "leg2024t1")
    assert (leg["publisher"], leg["licence"]) == ("Ministère de l'Intérieur", "Licence Ouverte 2.0")


def test_the_page_asks_who_republished_results_and_credits_them(antony_folder, app_data_dir):
    at = open_page("pages/nouveau_territoire.py")
    at.text_input(key="w_new_code").input("92002").run()
    at.radio(key="w_new_origin").set_value("folder").run()
    at.text_input(key="w_new_folder").input(str(antony_folder)).run()
    said = [as_read(i.value) for i in at.info]
    assert any("legislatives-2022-t2.csv" in text and "Code Officiel EPCI" in text for text in said)
    at.text_input(key="w_new_results_publisher").input("OpenDataSoft")
    at.text_input(key="w_new_results_licence").input("ODbL").run()
    at.button(key="w_new_build").click().run()
    assert not at.exception, at.exception
    meta = json.loads((app_data_dir / "commune-92002" / "metadata.json").read_text(encoding="utf-8"))
    leg = next(s for s in meta["sources"] if s["id"] == "leg2022t2")
    assert (leg["publisher"], leg["licence"]) == ("OpenDataSoft", "ODbL")


def test_a_city_file_without_names_takes_the_official_name_from_the_results(brest_round1_folder, tmp_path):
    meta = built(tmp_path, brest_round1_folder)  # no --commune-name: Brest's contours have no name column
    assert meta["name"] == "Brest (29019)"


def test_the_indicators_table_names_every_indicator_in_french(brest_round1_folder, tmp_path):
    meta = built(tmp_path, brest_round1_folder)  # one election, no station list: trend and distance unavailable
    rows = criteria.indicator_rows(meta["indicators"], load_settings().criteria)
    names = {r["Indicateur"] for r in rows}
    assert {"Évolution de l'abstention", "Distance à une gare ou station"} <= names
    assert not [n for n in names if "_" in n]


def test_the_sidebar_counts_the_set_aside_bureaux_as_the_legend_does(brest_round1_folder, tmp_path, app_data_dir):
    """Bureaux with results but no contour (here three Brest polygons left out of the city's file)
    are excluded yet never on the map; the sidebar counted them among the « atypiques » that the
    legend counts on the map (12 against 4)."""
    contours = gpd.read_file(brest_round1_folder / BREST_CONTOURS.name)
    contours[~contours["BVOTE"].isin([1, 2, 3])].to_file(brest_round1_folder / BREST_CONTOURS.name, driver="GeoJSON")
    built(tmp_path, brest_round1_folder, out=app_data_dir)
    data = load_territory(app_data_dir, "commune-29019")
    on_map, said = anomalies.atypical_sidebar(data.metadata, data.bureaux["bureau_id"])
    legend = len(data.excluded_ids & set(data.bureaux["bureau_id"]))  # what lib.priority counts in the legend
    assert on_map == legend
    elsewhere = len(data.excluded_ids) - legend
    assert elsewhere > 0 and f"{elsewhere} bureau(x) avec résultats sans contour" in said
    at = open_page("pages/carte.py", {"t": "commune-29019"})
    toggles = [t.label for t in at.sidebar.toggle if t.label.startswith("Inclure les bureaux atypiques")]
    assert toggles == ([f"Inclure les bureaux atypiques ({legend})"] if legend else [])
    assert said in [c.value for c in at.sidebar.caption]


@requires_dataset("paris")
def test_paris_results_published_per_arrondissement_join_the_commune_bureaux(tmp_path):
    """Paris's real bureaux (1st and 2nd arrondissements, ids 75056_AABB) as Etalab contours, and a
    législatives 2024 file in the Ministry's layout that gives each bureau as arrondissement 751AA,
    bureau 00BB (counts taken from the real 92-13 rows: the layout is the point, not the values)."""
    folder = tmp_path / "paris"
    folder.mkdir()
    paris = gpd.read_parquet(DATA_DIR / "paris" / "bureaux.parquet")
    paris = paris[paris["bureau_id"].str[6:8].isin(["01", "02"])]
    gpd.GeoDataFrame({"codeCommune": "75056", "nomCommune": "Paris", "codeDepartement": "75",
                      "codeBureauVote": paris["bureau_id"].to_numpy()}, geometry=paris.geometry.to_numpy(),
                     crs=paris.crs).to_crs(4326).to_file(folder / "contours-france-entiere-latest-v2.geojson",
                                                         driver="GeoJSON")
    header, *rows = (HDS / "legislatives2024_t2_9213.csv").read_text(encoding="utf-8").splitlines()
    lines = [header]
    for bid, row in zip(sorted(paris["bureau_id"]), itertools.cycle(rows), strict=False):
        cells = row.split(";")
        cells[:5] = ["75", "Paris", f"751{bid[6:8]}", f"Paris {int(bid[6:8])}e", f"00{bid[8:]}"]
        lines.append(";".join(cells))
    (folder / "resultats-definitifs-par-bureau-de-vote.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    meta = national.build(national.Selector("commune", "75056"), folder=folder, out_dir=tmp_path / "out",
                          log=lambda *_: None)
    leg = next(e for e in meta["elections"] if e["id"] == "leg2024t2")
    assert leg["bureaux"] == len(paris)
    assert any("rapportés aux bureaux des contours (arrondissement → commune (AABB))" in n for n in meta["notes"])
    assert not any("résultats sans contour" in n for n in meta["notes"])


@requires_dataset("paris")
def test_a_data_folder_of_one_s_own_adds_to_the_shipped_territories(brest_round1_folder, tmp_path, app_data_dir):
    built(tmp_path, brest_round1_folder, out=app_data_dir)
    assert {"paris", "commune-29019"} <= set(list_territories(app_data_dir))
    assert load_territory(app_data_dir, "paris").id == "paris"
    at = open_page("pages/carte.py", {"t": "commune-29019"})
    assert not at.error, [e.value for e in at.error]
    names = at.selectbox(key="w_territory").options
    assert "Brest (29019)" in names and load_territory(DATA_DIR, "paris").name in names
