"""Contours as cities publish them (issue 22 items 1, 5 and 7): a declared projection that
contradicts the coordinates is refused in French; shapefiles and GeoPackages are contours like the
GeoJSON; a bureau without a shape is flagged, not fatal. Real city files (raw/), written in the
formats and projections cities use."""

from __future__ import annotations

import json
import shutil
import warnings

import geopandas as gpd
import pytest

from lib.datasets import national
from lib.datasets.citymap import ContourMap
from lib.datasets.contours import read_contours
from lib.datasets.crop import Crop
from lib.errors import BuildError

from .helpers import RAW_DIR

BREST = RAW_DIR / "brest_lfi"
BREST_CONTOURS = BREST / "Legislatives2024_BureauxVoteBrest.geojson"
TOULOUSE_CONTOURS = RAW_DIR / "toulouse_2026" / "toulouse_bureaux_vote.geojson"
BREST_MAP = ContourMap(commune="DEPCO", bureau="BVOTE")
TOULOUSE_MAP = ContourMap(commune_code="31555", bureau="uniq_bdv")


def crop_for(code: str, mapping: ContourMap) -> Crop:
    selector = national.Selector("commune", code)
    return Crop(set(), where=selector.contour_filter(), keep=selector.contour_values(), contour_map=mapping)


def shapefile(gdf: gpd.GeoDataFrame, path) -> None:
    """Write ``gdf`` as a shapefile (.shp, .shx, .dbf, .prj, .cpg), as a city's GIS exports it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 10-character field names: truncated, as in a real export
        gdf.to_file(path, driver="ESRI Shapefile")


def toulouse_shapes() -> gpd.GeoDataFrame:
    """Toulouse Métropole's real contours, the one bureau without a shape left out."""
    gdf = gpd.read_file(TOULOUSE_CONTOURS)
    return gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]


# ------------------------------------------------------------------ declared CRS vs coordinates

def test_a_shapefile_declaring_cc46_over_degrees_is_refused_with_what_to_do(tmp_path):
    shapefile(toulouse_shapes().set_crs("EPSG:3946", allow_override=True), tmp_path / "bureaux.shp")
    with pytest.raises(BuildError) as err:
        read_contours(tmp_path / "bureaux.shp", crop_for("31555", TOULOUSE_MAP))
    message = str(err.value)
    assert "bureaux.shp déclare EPSG:3946 (RGF93 v1 / CC46)" in message
    assert "de 1,35 à 1,52 (x) et de 43,53 à 43,67 (y) — des degrés (longitude, latitude) ?" in message
    assert "pas en France métropolitaine" in message
    assert ".prj" in message and "EPSG:4326 les place bien" in message


def test_a_geojson_whose_crs_member_is_wrong_is_refused(tmp_path):
    doc = json.loads(BREST_CONTOURS.read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}  # degrees inside
    (tmp_path / "brest.geojson").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        read_contours(tmp_path / "brest.geojson", crop_for("29019", BREST_MAP))
    assert "déclare EPSG:2154 (RGF93 v1 / Lambert-93)" in str(err.value)
    assert "des degrés (longitude, latitude) ?" in str(err.value) and "« crs »" in str(err.value)


def test_lambert93_coordinates_declared_as_degrees_are_named_lambert93(tmp_path):
    gdf = gpd.read_file(BREST_CONTOURS).to_crs("EPSG:2154").set_crs("EPSG:4326", allow_override=True)
    gdf.to_file(tmp_path / "brest.geojson", driver="GeoJSON")
    with pytest.raises(BuildError, match=r"— du Lambert-93 \(EPSG:2154\) \?"):
        read_contours(tmp_path / "brest.geojson", crop_for("29019", BREST_MAP))


def test_contours_of_metropolitan_france_given_an_overseas_code_are_refused(tmp_path):
    shapefile(toulouse_shapes(), tmp_path / "bureaux.shp")
    with pytest.raises(BuildError, match="pas à La Réunion"):
        read_contours(tmp_path / "bureaux.shp", crop_for("97411", ContourMap(commune_code="97411", bureau="uniq_bdv")))


@pytest.mark.parametrize("crs", ["EPSG:2154", "EPSG:3948"])
def test_a_shapefile_in_a_french_projection_is_read_into_degrees(tmp_path, crs):
    shapefile(gpd.read_file(BREST_CONTOURS).to_crs(crs), tmp_path / "brest.shp")
    got = read_contours(tmp_path / "brest.shp", crop_for("29019", BREST_MAP))
    assert len(got) == 104 and got.crs.equals("EPSG:4326")
    assert -4.6 < got.total_bounds[0] < got.total_bounds[2] < -4.4


def test_a_shapefile_without_prj_in_degrees_is_read(tmp_path):
    shapefile(gpd.read_file(BREST_CONTOURS), tmp_path / "brest.shp")
    (tmp_path / "brest.prj").unlink()
    assert len(read_contours(tmp_path / "brest.shp", crop_for("29019", BREST_MAP))) == 104


# ------------------------------------------------------------------ a bureau without a shape

QUIET = {"log": lambda *_: None}


@pytest.fixture
def brest_folder(tmp_path):
    """Brest's own contours and the two real MinInt 2024 rounds, as a user downloads them."""
    folder = tmp_path / "brest"
    folder.mkdir()
    for path in (BREST_CONTOURS, BREST / "Legislatives2024_circos23-tour1.csv",
                 BREST / "Legislatives2024_circos23-tour2.csv"):
        shutil.copy(path, folder / path.name)
    return folder


def without_shape(path, bureau: int) -> None:
    """Empty the geometry of one Brest bureau, as Toulouse's official file does for one of its own."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for feature in doc["features"]:
        if feature["properties"]["BVOTE"] == bureau and feature["properties"]["DEPCO"] == "29019":
            feature["geometry"] = None
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_the_real_toulouse_file_reads_with_its_bureau_without_a_shape():
    got = read_contours(TOULOUSE_CONTOURS, crop_for("31555", TOULOUSE_MAP))
    empty = got.geometry.isna() | got.geometry.is_empty
    assert len(got) == 277 and got.loc[empty, "codeBureauVote"].tolist() == ["31555_001A"]


def test_a_bureau_without_a_shape_is_flagged_and_the_rest_is_built(brest_folder, tmp_path):
    whole = national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "a",
                           contour_map=BREST_MAP, **QUIET)
    without_shape(brest_folder / BREST_CONTOURS.name, 76)
    meta = national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "b",
                          contour_map=BREST_MAP, **QUIET)
    assert meta["coverage"]["bureaux"] == 103 and meta["coverage"]["bureaux_without_contour"] == 1
    assert meta["coverage"]["registered"] == whole["coverage"]["registered"]  # counted in the totals
    flagged = [a for a in meta["anomalies"] if a["bureau_id"] == "29019_0076"]
    assert [a["kind"] for a in flagged] == ["no_contour"] and flagged[0]["exclude"]
    assert "inscrits" in flagged[0]["message"] and "comptés dans les totaux" in flagged[0]["message"]
    assert any(n.startswith("bureau 29019_0076 : sans contour") for n in meta["notes"])
    assert not any("résultats sans contour" in n for n in meta["notes"])


def test_contours_mostly_without_shapes_are_refused(tmp_path):
    doc = json.loads(TOULOUSE_CONTOURS.read_text(encoding="utf-8"))
    for feature in doc["features"][:200]:
        feature["geometry"] = None
    (tmp_path / "toulouse.geojson").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(BuildError, match="bureau\\(x\\) sur 277 sans géométrie"):
        read_contours(tmp_path / "toulouse.geojson", crop_for("31555", TOULOUSE_MAP))
