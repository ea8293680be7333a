"""Contours as cities publish them (issue 22 items 1, 5 and 7): a declared projection that
contradicts the coordinates is refused in French; shapefiles and GeoPackages are contours like the
GeoJSON; a bureau without a shape is flagged, not fatal. Real city files (raw/), written in the
formats and projections cities use."""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile

import geopandas as gpd
import pytest

from lib.config import load_sources
from lib.datasets import national
from lib.datasets.__main__ import main as build_cli
from lib.datasets.citymap import ContourMap
from lib.datasets.contours import read_contours
from lib.datasets.crop import Crop
from lib.errors import BuildError

from .helpers import RAW_DIR, open_page

BREST = RAW_DIR / "brest_lfi"
BREST_CONTOURS = BREST / "Legislatives2024_BureauxVoteBrest.geojson"
HDS = RAW_DIR / "hds_9213_viz"
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
    with pytest.raises(BuildError, match="bureau\\(x\\) sur 277 sans polygone"):
        read_contours(tmp_path / "toulouse.geojson", crop_for("31555", TOULOUSE_MAP))


# ------------------------------------------------------------------ shapefiles and GeoPackages

BREST_FLAGS = ["--contours-commune", "DEPCO", "--contours-bureau", "BVOTE"]


def brest_as(folder, fmt: str) -> str:
    """Brest métropole's real contours in the folder as a shapefile, a zipped shapefile or a
    GeoPackage instead of the GeoJSON; returns the contours' file name."""
    gdf = gpd.read_file(folder / BREST_CONTOURS.name)
    (folder / BREST_CONTOURS.name).unlink()
    if fmt == "gpkg":
        gdf.to_file(folder / "bureaux_de_vote.gpkg", driver="GPKG")
        return "bureaux_de_vote.gpkg"
    target = folder / ("shp" if fmt == "zip" else "")
    target.mkdir(exist_ok=True)
    shapefile(gdf, target / "BUREAUX_VOTE.shp")
    if fmt != "zip":
        return "BUREAUX_VOTE.shp"
    with zipfile.ZipFile(folder / "bureaux_de_vote.zip", "w") as archive:
        for part in sorted(target.iterdir()):
            archive.write(part, f"BUREAUX_VOTE/{part.name}")
    shutil.rmtree(target)
    return "bureaux_de_vote.zip"


@pytest.mark.parametrize("fmt", ["shp", "zip", "gpkg"])
def test_city_contours_as_shapefile_zip_or_geopackage_build_with_the_flags(brest_folder, tmp_path, capsys, fmt):
    name = brest_as(brest_folder, fmt)
    code = build_cli(["--commune", "29019", "--from", str(brest_folder), "--out", str(tmp_path / "out"), *BREST_FLAGS])
    out, err = capsys.readouterr()
    assert code == 0, err
    meta = json.loads((tmp_path / "out" / "commune-29019" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["coverage"]["bureaux"] == 104 and meta["sources"][0]["files"] == [name]
    assert "Ignoré" not in out  # the .dbf, .shx, .prj, .cpg are read with the .shp


def test_etalab_contours_as_a_geopackage_are_recognised_without_a_mapping(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    gpd.read_file(HDS / "bv_contours_etalab_9213.geojson").to_file(folder / "contours.gpkg", driver="GPKG")
    shutil.copy(HDS / "legislatives2024_t1_9213.csv", folder / "legislatives2024_t1_9213.csv")
    assert national.locate(folder, load_sources())["contours"].how == "contenu"
    meta = national.build(national.Selector("commune", "92002"), folder=folder, out_dir=tmp_path / "out", **QUIET)
    assert meta["coverage"]["bureaux"] > 0 and meta["sources"][0]["files"] == ["contours.gpkg"]


def test_uploaded_shapefile_parts_are_offered_for_mapping(tmp_path):
    shapefile(gpd.read_file(BREST_CONTOURS), tmp_path / "bv.shp")
    uploads = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    name, fields = national.contours_to_map(uploads)
    assert name == "bv.shp" and {"DEPCO", "BVOTE"} <= set(fields)


def test_a_wrong_projection_shapefile_fails_on_the_command_line_with_the_reason(brest_folder, tmp_path, capsys):
    (brest_folder / BREST_CONTOURS.name).unlink()
    shapefile(toulouse_shapes().set_crs("EPSG:3946", allow_override=True), brest_folder / "bureaux-de-vote.shp")
    code = build_cli(["--commune", "31555", "--from", str(brest_folder), "--out", str(tmp_path / "out"),
                      "--commune-code", "31555", "--contours-bureau", "uniq_bdv", "--commune-name", "Toulouse"])
    err = capsys.readouterr().err
    print(err)  # the output the closing note quotes
    assert code == 1 and "bureaux-de-vote.shp déclare EPSG:3946 (RGF93 v1 / CC46)" in err
    assert "des degrés (longitude, latitude) ?" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "commune-31555").exists()


def test_the_page_maps_and_builds_a_shapefile_found_in_the_folder(brest_folder, tmp_path, monkeypatch, clean_caches):
    brest_as(brest_folder, "shp")
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path / "data"))
    at = open_page("pages/nouveau_territoire.py")
    at.text_input(key="w_new_code").input("29019").run()
    at.radio(key="w_new_origin").set_value("folder").run()
    at.text_input(key="w_new_folder").input(str(brest_folder)).run()
    assert at.selectbox(key="w_new_commune_col").value == "DEPCO"  # the shapefile's columns, guessed
    at.selectbox(key="w_new_bureau_col").select("BVOTE")
    at.button(key="w_new_build").click().run()
    assert not at.exception, at.exception
    assert any("104 bureaux" in s.value for s in at.success), [e.value for e in at.error]


def test_accueil_counts_and_lists_the_bureau_without_a_shape(brest_folder, tmp_path, monkeypatch, clean_caches):
    without_shape(brest_folder / BREST_CONTOURS.name, 76)
    national.build(national.Selector("commune", "29019"), folder=brest_folder, out_dir=tmp_path / "data",
                   contour_map=BREST_MAP, **QUIET)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path / "data"))
    at = open_page(query={"t": "commune-29019"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Bureaux de vote"] == "104"  # 103 drawn and the one without a shape
    checks = next(df.value for df in at.dataframe if "Contrôle" in df.value)
    row = checks[checks["Bureau"] == "29019_0076"]
    assert row["Contrôle"].tolist() == ["bureau sans contour"] and "inscrits" in row["Détail"].iloc[0]


def test_polling_places_given_as_contours_are_refused(tmp_path):
    points = gpd.read_file(BREST_CONTOURS)
    points["geometry"] = points.geometry.representative_point()  # where the bureaux vote, not their perimeters
    points.to_file(tmp_path / "lieux.geojson", driver="GeoJSON")
    with pytest.raises(BuildError, match=r"104 bureau\(x\) sur 104 sans polygone .*géométries trouvées : Point"):
        read_contours(tmp_path / "lieux.geojson", crop_for("29019", BREST_MAP))


def test_a_geopackage_with_the_polling_places_beside_the_perimeters_reads_the_perimeters(tmp_path):
    shapes = gpd.read_file(BREST_CONTOURS)
    shapes.assign(geometry=shapes.geometry.representative_point()).to_file(tmp_path / "b.gpkg", layer="lieux")
    shapes.to_file(tmp_path / "b.gpkg", layer="perimetres")
    assert len(read_contours(tmp_path / "b.gpkg", crop_for("29019", BREST_MAP))) == 104
    shapes.to_file(tmp_path / "b.gpkg", layer="perimetres_2020")
    with pytest.raises(BuildError, match="plusieurs couches \\(lieux, perimetres, perimetres_2020\\)"):
        read_contours(tmp_path / "b.gpkg", crop_for("29019", BREST_MAP))


def test_metres_declared_as_degrees_are_said_to_land_nowhere_on_earth(tmp_path):
    gdf = gpd.read_file(BREST_CONTOURS).to_crs("EPSG:2154").set_crs("EPSG:4326", allow_override=True)
    gdf.to_file(tmp_path / "brest.geojson", driver="GeoJSON")
    with pytest.raises(BuildError, match="Lues en EPSG:4326, elles ne correspondent à aucun lieu sur Terre"):
        read_contours(tmp_path / "brest.geojson", crop_for("29019", BREST_MAP))
