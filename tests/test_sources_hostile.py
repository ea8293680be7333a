"""Hostile or broken inputs to the build readers (issue 13, reading part): a French sentence, fast.

Big inputs are generated here, never committed. Each case answered within the 10 s / 1 GB budget
for inputs ≤ 20 MB (measured by running them; speed is not asserted here).
"""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile

import geopandas as gpd
import pytest

from lib import minint
from lib.config import BYTES_PER_MB
from lib.datasets import archives
from lib.datasets.__main__ import main as build_cli
from lib.datasets.addresses import read_ban
from lib.datasets.crop import Crop
from lib.datasets.filosofi import read_filosofi_squares
from lib.datasets.results import read_wide
from lib.datasets.stations import read_sncf_stations
from lib.errors import TerrainError

from .helpers import PROJECT

HDS = PROJECT / "raw" / "hds_9213_viz"
HEADER = "Code département;Code commune;Code BV;Inscrits;Votants;Exprimés"


def results(rows: list[str], blocks: int = 2) -> bytes:
    head = HEADER + "".join(f";Nom candidat {k};Voix {k}" for k in range(1, blocks + 1))
    return ("\n".join([head, *rows]) + "\n").encode()


# --------------------------------------------------------------------------- parser blow-ups

def test_a_header_with_10000_candidate_blocks_is_refused():
    with pytest.raises(TerrainError, match="colonnes dans l'en-tête"):
        minint.read_table(results(["92;92002;0001;100;50;50" + ";A;25;B;25" * 10_000], blocks=10_000), name="x")


def test_a_line_of_100000_fields_is_refused_with_its_line_number():
    with pytest.raises(TerrainError, match="ligne 2 : 100006 champs"):
        minint.read_table(results(["92;92002;0001;100;50;50" + ";0" * 100_000]), name="x")


def test_a_15_mb_single_field_is_a_french_message():
    line = "Code commune;" + "x" * 15_000_000
    with pytest.raises(TerrainError, match="champ démesuré"):
        minint.read_table(f"{line}\n1;2\n".encode(), name="x")


def test_a_header_longer_than_any_sniff_window_is_read(tmp_path):
    """The real 92-13 T1 extract with 3,000 added columns of long names: a 240 KB header line."""
    lines = (HDS / "legislatives2024_t1_9213.csv").read_text(encoding="utf-8").splitlines()
    extra = "".join(f";colonne ajoutée par un tableur, numéro {i:04d}, sans rapport avec les résultats" for i in range(3000))
    path = tmp_path / "t1.csv"
    path.write_text("\n".join([lines[0] + extra, *(r + ";" * 3000 for r in lines[1:])]) + "\n", encoding="utf-8")
    assert len((lines[0] + extra).encode()) > 200_000  # beyond the old 200,000-byte sniff
    got = read_wide(path, Crop({"92002"}, election="leg2024t1"))
    assert got["bureau_id"].nunique() == 44


# --------------------------------------------------------------------------- impossible numbers

@pytest.mark.parametrize(("row", "fragment"), [
    ("92;92002;0001;1000;500;500;A;inf;B;250", "infinie"),
    ("92;92002;0001;1000000000;500;500;A;250;B;250", "invraisemblable"),
    ("92;92002;0001;1.234;500;500;A;250;B;250", "séparateur de milliers"),
    ('92;92002;0001;"1,234";500;500;A;250;B;250', "séparateur de milliers"),
])
def test_impossible_numbers_are_refused_and_named(row, fragment):
    ok = [f"92;92002;{i:04d};1000;500;500;A;250;B;250" for i in range(2, 6)]
    with pytest.raises(TerrainError, match=fragment):
        minint.parse_wide(minint.read_table(results([row, *ok]), name="x"), election="e", name="x")


# --------------------------------------------------------------------------- bureau codes

def test_city_bureau_code_variants_are_normalised():
    rows = ["92;92002;0069A;1000;500;500;A;250;B;250", "92;92002;12B;1000;500;500;A;250;B;250"]
    got = minint.parse_wide(minint.read_table(results(rows), name="x"), election="e", name="x")
    assert sorted(got["bureau_id"].unique()) == ["92002_012B", "92002_069A"]


def test_other_bureau_codes_are_reported_with_the_expected_form():
    rows = ["92;92002;BV-12;1000;500;500;A;250;B;250"]
    with pytest.raises(TerrainError, match=r"« 92002_BV-12 ».*4 caractères.*« 92002_069A »"):
        minint.parse_wide(minint.read_table(results(rows), name="x"), election="e", name="x")


# --------------------------------------------------------------------------- decompression bombs

def gzip_bomb(path, header: bytes, size: int = 200 << 20):
    """A few hundred KB that expand to ``size`` bytes of zeros after a plausible header."""
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(header)
        block = b"0" * (1 << 20)
        for _ in range(size >> 20):
            fh.write(block)
    return path


def test_a_gzip_bomb_posing_as_a_stations_file_stops_early(tmp_path):
    path = gzip_bomb(tmp_path / "liste-des-gares.csv.gz", b"code_uic;libelle;voyageurs;x_wgs84;y_wgs84\n")
    assert path.stat().st_size < BYTES_PER_MB
    with pytest.raises(TerrainError, match="se décompresse au-delà"):
        read_sncf_stations(path)


def test_a_zip_bomb_posing_as_the_filosofi_archive_is_refused(tmp_path):
    path = tmp_path / "Filosofi2019_carreaux_200m_gpkg.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf, zf.open("carreaux.gpkg", "w") as fh:
        for _ in range(200):
            fh.write(b"\0" * (1 << 20))
    with pytest.raises(TerrainError, match="se décompresse au-delà"):
        read_filosofi_squares(path, Crop(set()))


def test_a_stations_file_that_yields_nothing_is_an_error(tmp_path):
    path = tmp_path / "liste-des-gares.csv"
    path.write_text("code_uic;libelle;voyageurs;x_wgs84;y_wgs84\n87000000;Fret;N;2.3;48.8\n", encoding="utf-8")
    with pytest.raises(TerrainError, match="aucune gare"):
        read_sncf_stations(path)


# --------------------------------------------------------------------------- CLI: no traceback

def build_with_contours(tmp_path, capsys, edit) -> tuple[int, str, str]:
    folder = tmp_path / "in"
    folder.mkdir()
    gdf = gpd.read_file(HDS / "bv_contours_etalab_9213.geojson")
    doc = json.loads(edit(gdf))
    doc.pop("crs", None)
    (folder / "contours-france-entiere-latest-v2.geojson").write_text(json.dumps(doc), encoding="utf-8")
    shutil.copy(HDS / "legislatives2024_t1_9213.csv", folder / "resultats-definitifs-par-bureau-de-vote.csv")
    code = build_cli(["--commune", "92002", "--from", str(folder), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


def test_lambert93_contours_without_crs_get_a_sentence(tmp_path, capsys):
    code, err, _ = build_with_contours(tmp_path, capsys, lambda g: g.to_crs("EPSG:2154").to_json())
    assert code == 1 and "Lambert-93" in err and "Traceback" not in err


def test_an_empty_geometry_names_the_bureau_and_the_build_goes_on(tmp_path, capsys):
    def empty_first(gdf):
        doc = json.loads(gdf.to_json())
        doc["features"][0]["geometry"] = None
        return json.dumps(doc)
    code, err, out = build_with_contours(tmp_path, capsys, empty_first)
    first = gpd.read_file(HDS / "bv_contours_etalab_9213.geojson")["codeBureauVote"].iloc[0]
    assert code == 0, err
    assert f"bureau {first} : sans contour" in out and "(et 1 sans contour, signalé(s))" in out


def test_a_7z_that_expands_past_the_cap_is_refused_before_extraction(tmp_path, monkeypatch):
    import py7zr

    (tmp_path / "carreaux.gpkg").write_bytes(b"\0" * (4 << 20))
    archive = tmp_path / "Filosofi2019_carreaux_200m_gpkg.7z"
    with py7zr.SevenZipFile(archive, "w") as z:
        z.write(tmp_path / "carreaux.gpkg", "carreaux.gpkg")
    monkeypatch.setattr(archives, "MIN_CAP", 1 << 20)  # a 4 MB expansion stands for a real bomb
    with pytest.raises(TerrainError, match="se décompresse au-delà"):
        read_filosofi_squares(archive, Crop(set()))


def test_an_empty_ban_file_is_an_error(tmp_path):
    path = tmp_path / "adresses-92.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;lon;lat\n")
    with pytest.raises(TerrainError, match="aucune adresse"):
        read_ban(path, {"92002"})
