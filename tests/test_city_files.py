"""A city's own contours (Brest métropole, Toulouse Métropole: real files in raw/) read through an
explicit column mapping; missing columns named in one message; provenance and coverage said."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from lib.dataset import FILES
from lib.datasets import citymap, national
from lib.datasets.__main__ import main as build_cli
from lib.datasets.citymap import ContourMap
from lib.datasets.contours import read_contours
from lib.datasets.crop import Crop
from lib.errors import BuildError
from lib.maps import geometry

from .helpers import RAW_DIR

BREST = RAW_DIR / "brest_lfi"
BREST_CONTOURS = BREST / "Legislatives2024_BureauxVoteBrest.geojson"
TOULOUSE_CONTOURS = RAW_DIR / "toulouse_2026" / "toulouse_bureaux_vote.geojson"
BREST_MAP = ContourMap(commune="DEPCO", bureau="BVOTE")
QUIET = {"log": lambda *_: None}


def crop_for(selector: national.Selector, mapping: ContourMap | None = None) -> Crop:
    return Crop(set(), where=selector.contour_filter(), keep=selector.contour_values(), contour_map=mapping)


# ------------------------------------------------------------------------------ missing columns

def test_city_contours_without_mapping_name_every_missing_column_in_one_message():
    with pytest.raises(BuildError) as err:
        read_contours(BREST_CONTOURS, crop_for(national.Selector("commune", "29019")))
    message = str(err.value)
    assert "codeBureauVote, codeCommune, nomCommune" in message
    assert "DEPCO" in message and "BVOTE" in message  # the columns found
    assert "--contours-commune" in message and citymap.SIDECAR in message


@pytest.mark.parametrize(("kind", "code"), [("departement", "29"), ("circonscription", "29-2")])
def test_a_filter_on_a_missing_column_is_a_french_sentence_not_sql(tmp_path, kind, code):
    shapes = gpd.read_file(BREST_CONTOURS).assign(codeBureauVote="29019_0001", codeCommune="29019",
                                                  nomCommune="Brest")
    shapes.to_file(tmp_path / "c.geojson", driver="GeoJSON")
    with pytest.raises(BuildError) as err:
        read_contours(tmp_path / "c.geojson", crop_for(national.Selector(kind, code)))
    message = str(err.value)
    assert "codeDepartement" in message and "SQL" not in message and "IN (" not in message


def test_a_mapping_naming_absent_columns_says_all_of_them():
    with pytest.raises(BuildError) as err:
        read_contours(BREST_CONTOURS, crop_for(national.Selector("commune", "29019"),
                                               ContourMap(commune="INSEE", bureau="NUMERO")))
    assert "INSEE, NUMERO" in str(err.value) and "Colonnes trouvées : OBJECTID, DEPCO" in str(err.value)


def test_a_half_given_mapping_says_what_it_still_lacks_in_one_message():
    with pytest.raises(BuildError) as err:
        read_contours(BREST_CONTOURS, crop_for(national.Selector("commune", "29019"), ContourMap(commune="INSEE")))
    assert "INSEE, numéro de bureau (colonne non indiquée)" in str(err.value)


# ----------------------------------------------------------------------------------- mapping

def test_brest_contours_mapped_by_depco_and_integer_bvote():
    got = read_contours(BREST_CONTOURS, crop_for(national.Selector("commune", "29019"), BREST_MAP))
    assert len(got) == 104  # the 18 polygons of Plougastel-Daoulas and Gouesnou are left out
    assert set(got["codeCommune"]) == {"29019"}
    assert "29019_0076" in set(got["codeBureauVote"])  # BVOTE = 76 (an integer)


def test_toulouse_contours_without_commune_column_take_the_typed_insee_code():
    mapping = ContourMap(commune_code="31555", bureau="uniq_bdv", commune_name="Toulouse")
    got = citymap.to_etalab(gpd.read_file(TOULOUSE_CONTOURS), mapping, source="toulouse")
    assert len(got) == 277
    assert "31555_0055" in set(got["codeBureauVote"]) and set(got["nomCommune"]) == {"Toulouse"}


def test_the_real_toulouse_bureau_without_a_shape_is_named_with_its_mapped_id(tmp_path):
    folder = tmp_path / "toulouse"
    folder.mkdir()
    shutil.copy(TOULOUSE_CONTOURS, folder / TOULOUSE_CONTOURS.name)
    lines = []
    with pytest.raises(BuildError, match="aucun fichier de résultats"):  # no Toulouse results in MinInt layout
        national.read(national.Selector("commune", "31555"), folder, log=lines.append,
                      contour_map=ContourMap(commune_code="31555", bureau="uniq_bdv"))
    assert any("276 bureaux dans 1 commune(s), 1 bureau(x) sans contour (31555_001A)" in line for line in lines)


def test_a_city_file_cannot_be_cropped_to_a_circonscription():
    with pytest.raises(BuildError, match="--commune"):
        read_contours(BREST_CONTOURS, crop_for(national.Selector("circonscription", "29-2"), BREST_MAP))


@pytest.mark.parametrize(("raw", "expected"), [(76, "0076"), ("0069A", "069A"), ("069A", "069A"), (12.0, "0012")])
def test_bureau_numbers_are_normalised_to_four_characters(raw, expected):
    frame = pd.DataFrame({"INSEE": ["29019"], "BV": pd.Series([raw])})
    got = citymap.to_etalab(frame, ContourMap(commune="INSEE", bureau="BV"), source="x")
    assert got["codeBureauVote"].iloc[0] == f"29019_{expected}"


def test_a_bureau_code_of_another_form_is_reported_with_an_example():
    frame = pd.DataFrame({"INSEE": ["29019", "29019"], "BV": ["12", "Bureau 12"]})
    with pytest.raises(BuildError, match="colonne BV hors format : « Bureau 12 »"):
        citymap.to_etalab(frame, ContourMap(commune="INSEE", bureau="BV"), source="x")


def test_an_integer_insee_code_gets_its_leading_zero_back():
    frame = pd.DataFrame({"INSEE": [1004], "BV": [1]})
    got = citymap.to_etalab(frame, ContourMap(commune="INSEE", bureau="BV"), source="x")
    assert got["codeBureauVote"].iloc[0] == "01004_0001" and got["codeDepartement"].iloc[0] == "01"


def test_suggested_columns_for_the_real_city_files():
    assert citymap.suggest(["OBJECTID", "DEPCO", "LIEUV", "TITRE", "BVOTE"]) == BREST_MAP
    assert citymap.suggest(["geo_point_2d", "uniq_bdv", "nom", "adresse"]).bureau == "uniq_bdv"


def test_uploaded_city_contours_are_offered_for_mapping_and_etalab_ones_are_not():
    etalab = (RAW_DIR / "hds_9213_viz" / "bv_contours_etalab_9213.geojson").read_bytes()
    uploads = {"contours-france-entiere-latest-v2.geojson": etalab, "notes.csv": b"a;b\n",
               BREST_CONTOURS.name: BREST_CONTOURS.read_bytes()}
    name, fields = national.contours_to_map(uploads)
    assert name == BREST_CONTOURS.name and {"DEPCO", "BVOTE"} <= set(fields)
    assert national.contours_to_map({"c.geojson": etalab}) is None


# ------------------------------------------------------------------------ sidecar and build

SIDECAR_TEXT = """commune = "DEPCO"
bureau = "BVOTE"
commune_name = "Brest"

[source]
title = "Périmètres des bureaux de vote"
publisher = "Brest métropole"
licence = "ODbL"
page = "https://geo.brest-metropole.fr/"
"""


def test_sidecar_mapping_builds_and_credits_the_city_not_etalab(brest_folder, tmp_path):
    (brest_folder / citymap.SIDECAR).write_text(SIDECAR_TEXT, encoding="utf-8")
    meta = national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "out",
                          **QUIET)
    assert meta["coverage"]["bureaux"] == 104 and meta["name"] == "Brest (29019)"
    contours = next(s for s in meta["sources"] if s["id"] == "contours")
    assert (contours["publisher"], contours["licence"]) == ("Brest métropole", "ODbL")
    assert contours["files"] == [BREST_CONTOURS.name]
    assert not any("Etalab" in s["publisher"] for s in meta["sources"])


def test_the_build_writes_the_map_geometry_the_first_visit_reads(brest_folder, tmp_path):
    (brest_folder / citymap.SIDECAR).write_text(SIDECAR_TEXT, encoding="utf-8")
    meta = national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "out",
                          **QUIET)
    folder = tmp_path / "out" / meta["territory_id"]
    assert (folder / geometry.CACHE_NAME).is_file()
    sources = [FILES[k] for k in geometry.GEOMETRY_SOURCES]
    geom = geometry.cached_geometry(folder, sources, lambda: pytest.fail("encoded again at the first visit"))
    assert len(geom.bureau_ids) == 104


def test_flags_complete_and_override_the_sidecar(brest_folder, tmp_path):
    (brest_folder / citymap.SIDECAR).write_text('commune = "INSEE"\nbureau = "BVOTE"\n', encoding="utf-8")
    meta = national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "out",
                          contour_map=ContourMap(commune="DEPCO", licence="ODbL"), **QUIET)
    contours = next(s for s in meta["sources"] if s["id"] == "contours")
    assert meta["coverage"]["bureaux"] == 104 and contours["licence"] == "ODbL"
    assert contours["publisher"] == "éditeur non indiqué"  # not given: said, not guessed


def test_the_file_the_sidecar_names_wins_over_other_contours(brest_folder):
    shutil.copy(TOULOUSE_CONTOURS, brest_folder / TOULOUSE_CONTOURS.name)
    (brest_folder / citymap.SIDECAR).write_text(f'file = "{BREST_CONTOURS.name}"\ncommune = "DEPCO"\n'
                                                'bureau = "BVOTE"\n', encoding="utf-8")
    raw = national.read(national.Selector("commune", "29019"), brest_folder, **QUIET)
    assert len(raw.bureaux) == 104 and raw.sources[0].files == [BREST_CONTOURS.name]


def test_two_candidate_contour_files_without_a_sidecar_are_named(brest_folder):
    shutil.copy(TOULOUSE_CONTOURS, brest_folder / TOULOUSE_CONTOURS.name)
    with pytest.raises(BuildError, match="plusieurs fichiers de contours possibles"):
        national.read(national.Selector("commune", "29019"), brest_folder, contour_map=BREST_MAP, **QUIET)


def test_a_scraped_city_results_page_is_skipped_with_a_reason(brest_folder, tmp_path):
    scraped = "Legislatives2022_tour1_circo2.csv"  # Ville de Brest results page, scraped: not the MinInt layout
    shutil.copy(BREST / scraped, brest_folder / scraped)
    meta = national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "out",
                          contour_map=BREST_MAP, **QUIET)
    assert {e["id"] for e in meta["elections"]} == {"leg2024t1", "leg2024t2"}
    assert any(n.startswith(f"Ignoré : {scraped} — ") for n in meta["notes"])


def test_a_sidecar_with_an_unknown_key_is_refused(tmp_path):
    (tmp_path / citymap.SIDECAR).write_text('communes = "DEPCO"\n', encoding="utf-8")
    with pytest.raises(BuildError, match="clé\\(s\\) inconnue\\(s\\) : communes"):
        citymap.load_sidecar(tmp_path)


def test_cli_flags_build_brest_and_say_the_licence(brest_folder, tmp_path, capsys):
    code = build_cli(["--commune", "29019", "--from", str(brest_folder), "--out", str(tmp_path / "out"),
                      "--contours-commune", "DEPCO", "--contours-bureau", "BVOTE",
                      "--contours-publisher", "Brest métropole", "--contours-licence", "ODbL"])
    assert code == 0, capsys.readouterr().err
    meta = national.json.loads((tmp_path / "out" / "commune-29019" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["sources"][0]["licence"] == "ODbL"


def test_cli_without_mapping_says_the_columns_once_without_sql(brest_folder, tmp_path, capsys):
    code = build_cli(["--commune", "29019", "--from", str(brest_folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("colonne(s) absente(s)") == 1
    assert "codeBureauVote, codeCommune, nomCommune" in err and "SQL" not in err


# ------------------------------------------------------------- results and contours that do not match

def test_results_without_contour_and_contours_without_results_are_named_and_counted(brest_folder, tmp_path):
    shapes = gpd.read_file(BREST_CONTOURS)
    shapes = shapes[shapes["BVOTE"] != 76]  # a bureau with results, no contour
    extra = shapes.iloc[[0]].assign(BVOTE=198, geometry=[shapely.box(-4.60, 48.44, -4.599, 48.441)])
    pd.concat([shapes, extra]).to_file(brest_folder / BREST_CONTOURS.name, driver="GeoJSON")  # a contour, no results
    meta = national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "out",
                          contour_map=BREST_MAP, **QUIET)
    assert "bureau 29019_0076 : résultats sans contour" in meta["notes"]
    assert "bureau 29019_0198 : contour sans résultats" in meta["notes"]
    assert "Correspondance contours ↔ résultats : 1 bureau(x) avec résultats sans contour." in meta["notes"]
    kinds = {(a["bureau_id"], a["kind"]) for a in meta["anomalies"]}
    assert {("29019_0076", "results_without_contour"), ("29019_0198", "contour_without_results")} <= kinds
