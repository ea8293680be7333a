"""Real extracts (raw/, and tests/data/ for those only the tests read) through the national build,
under their published names.

No renaming: a folder as a user fills it by hand from data.gouv.fr (a browser adds « (1) » to the
second file of the same name), recognised by content, or one sub-folder per source id.
"""

from __future__ import annotations

import gzip
import shutil

import geopandas as gpd
import pandas as pd
import pytest

from lib.config import load_sources
from lib.dataset import load_territory
from lib.datasets import national
from lib.datasets.__main__ import main as build_cli
from lib.datasets.archives import read_vector
from lib.datasets.crop import Crop

from .helpers import PROJECT, RAW_DIR, TEST_DATA, filosofi_archive

HDS = RAW_DIR / "hds_9213_viz"
QUIET = {"log": lambda *_: None}
PUBLISHED = "resultats-definitifs-par-bureau-de-vote"


def gunzip(src, dest):
    with gzip.open(src, "rb") as fh, open(dest, "wb") as out:
        shutil.copyfileobj(fh, out)


@pytest.fixture
def hand_filled(tmp_path):
    """92-13 extracts as downloaded by hand: published names, browser suffixes, stations as plain CSV."""
    folder = tmp_path / "telechargements"
    folder.mkdir()
    shutil.copy(HDS / "bv_contours_etalab_9213.geojson", folder / "contours-france-entiere-latest-v2.geojson")
    shutil.copy(HDS / "legislatives2024_t2_9213.csv", folder / f"{PUBLISHED}.csv")
    shutil.copy(HDS / "legislatives2024_t1_9213.csv", folder / f"{PUBLISHED} (1).csv")
    shutil.copy(HDS / "europeennes2024_9213.csv", folder / f"{PUBLISHED} (2).csv")
    shutil.copy(HDS / "legislatives2022_t2_9213.csv",  # the OpenDataSoft export's own name
                folder / "elections-france-legislatives-2022-2nd-tour-par-bureau-de-vote.csv")
    filosofi_archive(folder / "Filosofi2019_carreaux_200m_gpkg.zip")
    gunzip(RAW_DIR / "idfm_gares" / "emplacement-des-gares-idf.csv.gz", folder / "emplacement-des-gares-idf.csv.gz")
    shutil.copy(RAW_DIR / "sncf_gares" / "liste-des-gares.csv.gz", folder / "liste-des-gares.csv")
    return folder


def test_files_are_recognised_under_published_names(hand_filled):
    files = national.locate(hand_filled, load_sources())
    assert files["leg2024t1"].path.name == f"{PUBLISHED} (1).csv"
    assert files["leg2024t2"].path.name == f"{PUBLISHED}.csv"
    assert files["euro2024"].path.name == f"{PUBLISHED} (2).csv"
    assert {files[s].how for s in ("leg2024t1", "leg2024t2", "euro2024", "leg2022t2")} == {"contenu"}
    assert files["contours"].how == "nom publié"


def test_commune_built_from_a_hand_filled_folder(hand_filled, tmp_path):
    meta = national.build(national.Selector("commune", "92002"), folder=hand_filled, out_dir=tmp_path / "out", **QUIET)
    assert {e["id"] for e in meta["elections"]} == {"leg2022t2", "leg2024t1", "leg2024t2", "euro2024"}
    assert meta["coverage"]["bureaux"] == 44 and meta["coverage"]["stations"] > 0
    used = {s["id"] for s in meta["sources"]}
    assert {"filosofi_200m", "idfm_gares", "sncf_gares"} <= used


def test_a_broken_station_file_is_reported_and_the_build_goes_on(hand_filled, tmp_path):
    data = (RAW_DIR / "sncf_gares" / "liste-des-gares.csv.gz").read_bytes()
    (hand_filled / "liste-des-gares.csv").write_bytes(data[: len(data) // 2])  # truncated download
    meta = national.build(national.Selector("commune", "92002"), folder=hand_filled, out_dir=tmp_path / "out", **QUIET)
    assert any("Liste des gares" in n and "illisible" in n for n in meta["notes"])
    assert meta["coverage"]["stations"] > 0  # IDFM still there


def test_one_sub_folder_per_source_id_is_accepted(tmp_path):
    for sid, src in (("contours", "bv_contours_etalab_9213.geojson"), ("leg2024t1", "legislatives2024_t1_9213.csv"),
                     ("leg2024t2", "legislatives2024_t2_9213.csv")):
        (tmp_path / sid).mkdir()
        shutil.copy(HDS / src, tmp_path / sid / (f"{PUBLISHED}.csv" if sid != "contours" else src))
    files = national.locate(tmp_path, load_sources())
    assert files["leg2024t1"].path.parent.name == "leg2024t1" and files["leg2024t1"].how == "sous-dossier"
    assert files["leg2024t2"].path.parent.name == "leg2024t2"


def test_brest_real_2024_files_through_the_national_build(tmp_path):
    """Brest métropole contours (real shapes, given the Etalab property names they lack) and the two
    real 2024 rounds under the published name: T1 with unpadded « Code BV », T2 with a quoted header."""
    shapes = read_vector(TEST_DATA / "brest_lfi" / "Legislatives2024_brest_contours.geojson.gz")
    shapes = shapes[shapes["codeBureauVote"].str.startswith("29019_")]
    shapes = shapes.assign(codeCommune="29019", nomCommune="Brest", codeDepartement="29")
    shapes.to_file(tmp_path / "contours-france-entiere-latest-v2.geojson", driver="GeoJSON")
    shutil.copy(RAW_DIR / "brest_lfi" / "Legislatives2024_circos23-tour1.csv", tmp_path / f"{PUBLISHED}.csv")
    shutil.copy(RAW_DIR / "brest_lfi" / "Legislatives2024_circos23-tour2.csv", tmp_path / f"{PUBLISHED} (1).csv")
    meta = national.build(national.Selector("commune", "29019"), folder=tmp_path, out_dir=tmp_path / "out", **QUIET)
    assert meta["coverage"]["bureaux"] == 104
    assert {e["id"] for e in meta["elections"]} == {"leg2024t1", "leg2024t2"}


def test_real_head_of_the_national_contours_is_read_with_a_commune_filter(tmp_path):
    shutil.copy(TEST_DATA / "national_heads" / "contours-france-entiere-latest-v2_head_dep01.geojson",
                tmp_path / "contours-france-entiere-latest-v2.geojson")
    sources = load_sources()
    selector = national.Selector("commune", "01004")
    ctx = national.Context(national.locate(tmp_path, sources), sources, Crop(set(), where=selector.contour_filter()),
                           national.Found(), lambda *_: None)
    contours, shapeless = national.read_bureaux(ctx, selector)
    assert shapeless == []
    assert sorted(contours["codeBureauVote"]) == [f"01004_000{i}" for i in range(1, 6)]
    assert ctx.crop.communes == {"01004"}


PRES17_HEADER = ("Code du département;Libellé du département;Code de la circonscription;Libellé de la circonscription;"
                 "Code de la commune;Libellé de la commune;Code du b.vote;Inscrits;Abstentions;% Abs/Ins;Votants;"
                 "% Vot/Ins;Blancs;% Blancs/Ins;% Blancs/Vot;Nuls;% Nuls/Ins;% Nuls/Vot;Exprimés;% Exp/Ins;% Exp/Vot;"
                 "N°Panneau;Sexe;Nom;Prénom;Voix;% Voix/Ins;% Voix/Exp")


def pres2017_paris(dest):
    """The real Paris 2017 présidentielle T1 results (aktiur extract of the MinInt file) written back in
    the MinInt wide layout (header as the 2017–2022 files; percentage columns left empty)."""
    long = pd.read_csv(PROJECT / "raw/paris_aktiur_2017/paris_2017_resultats_par_bureau_long.csv.gz", dtype=str)
    long = long[(long["scrutin"] == "presidentielle_2017") & (long["tour"] == "1")]
    lines = [PRES17_HEADER]
    for code_bv, rows in long.groupby("code_bv"):
        r = rows.iloc[0]
        fixed = ["75", "Paris", r["circonscription"], "", "056", "Paris", code_bv, r["inscrits"], r["abstentions"], "",
                 r["votants"], "", r["blancs"], "", "", r["nuls"], "", "", r["exprimes"], "", ""]
        blocks = [v for _, c in rows.iterrows() for v in (c["numero_panneau"], c["sexe"], c["nom"], c["prenom"],
                                                          c["voix"], "", "")]
        lines.append(";".join(fixed + blocks))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))


def paris_contours(dest):
    """The real 2026 Paris bureaux (Ville de Paris shapes) under the Etalab property names."""
    gdf = read_vector(PROJECT / "raw/paris_joo_yan_2026/paris_2026_t1.geojson.gz")
    out = gpd.GeoDataFrame({"codeDepartement": "75", "codeCommune": "75056", "nomCommune": "Paris",
                            "numeroBureauVote": gdf["code_bv"], "codeBureauVote": "75056_" + gdf["code_bv"]},
                           geometry=gdf.geometry, crs=gdf.crs)
    out.to_file(dest, driver="GeoJSON")


def test_paris_commune_75056_finds_the_ban_arrondissement_addresses(tmp_path, capsys):
    folder = tmp_path / "paris"
    folder.mkdir()
    paris_contours(folder / "contours-france-entiere-latest-v2.geojson")
    pres2017_paris(folder / "pres2017t1" / "PR17_BVot_T1_FE.txt")
    shutil.copy(RAW_DIR / "ban_paris" / "adresses-75.csv.gz", folder / "adresses-75.csv.gz")
    code = build_cli(["--commune", "75056", "--from", str(folder), "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    data = load_territory(tmp_path / "out", "commune-75056")
    print(f"\n--commune 75056 : {len(data.addresses)} adresses")
    assert len(data.addresses) > 150_000
    assert data.addresses["commune_code"].str.startswith("751").all()


def test_paris_contours_coded_by_arrondissement_are_found_for_75056(tmp_path):
    """The real 2026 Paris shapes, coded as a file using arrondissement codes (751xx) would be."""
    gdf = read_vector(PROJECT / "raw/paris_joo_yan_2026/paris_2026_t1.geojson.gz")
    arrondissement = "751" + gdf["code_bv"].str[:2]
    gpd.GeoDataFrame({"codeDepartement": "75", "codeCommune": arrondissement, "nomCommune": "Paris",
                      "codeBureauVote": arrondissement + "_" + gdf["code_bv"]},
                     geometry=gdf.geometry, crs=gdf.crs).to_file(tmp_path / "contours-france-entiere-latest-v2.geojson",
                                                                 driver="GeoJSON")
    sources = load_sources()
    selector = national.Selector("commune", "75056")
    ctx = national.Context(national.locate(tmp_path, sources), sources, Crop(set(), where=selector.contour_filter()),
                           national.Found(), lambda *_: None)
    assert len(national.read_bureaux(ctx, selector)[0]) == len(gdf)
    assert "75056" not in ctx.crop.communes and "75101" in ctx.crop.communes
