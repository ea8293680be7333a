"""The street layer from real OpenStreetMap extracts: a PBF of Melun (tests/data/osm_melun), and the
extracts shipped for Paris (raw/SOURCES.md §12): the Overpass response and the OSMnx graph built from
it around the Trocadéro (raw/osm_paris_trocadero), an openstreetmap.org export of the Gare du Nord
(raw/osm_paris_gare_du_nord)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
import shapely

from lib.contract import check_streets
from lib.dataset import load_territory
from lib.datasets import streets as osm
from lib.datasets.raw import RAW_DIR
from lib.errors import BuildError, DataContractError
from lib.geo import LAMBERT93, lonlat_to_l93

TESTS_DATA = Path(__file__).parent / "data"
MELUN_PBF = TESTS_DATA / "osm_melun" / "osm_fixture.osm.pbf"
TROCADERO = RAW_DIR / "osm_paris_trocadero"
TROCADERO_GRAPH = TROCADERO / "trocadero.graphml"
TROCADERO_OVERPASS = TROCADERO / "trocadero_overpass.json"
GARE_DU_NORD = RAW_DIR / "osm_paris_gare_du_nord" / "map.osm"
PROJECT_DATA = Path(__file__).parent.parent / "data"


@functools.cache
def trocadero():
    return osm.read_extract(TROCADERO_GRAPH)


def test_pbf_extract_keeps_named_walkable_ways():
    streets = osm.read_extract(MELUN_PBF)
    assert {"Rue du Port", "Rue de la Noue", "Rue des 18 Arpents"} <= set(streets["name"])
    assert {"footway", "residential", "steps"} <= set(streets["highway"])
    assert check_streets(streets) == []


def test_osmnx_graph_keeps_each_street_once():
    streets = trocadero()
    rapp = streets[streets["name"] == "Avenue Rapp"]
    assert len(rapp) > 0
    assert not streets.geometry.normalize().to_wkb().duplicated().any()  # both directions → one line


def test_unreadable_extract_is_a_french_build_error(tmp_path):
    bad = tmp_path / "cassé.osm.pbf"
    bad.write_bytes(MELUN_PBF.read_bytes()[:1000])
    with pytest.raises(BuildError, match="extrait OpenStreetMap illisible"):
        osm.read_extract(bad)


def test_folder_without_extract_says_which_files_it_wants(tmp_path):
    with pytest.raises(BuildError, match=r"\.osm\.pbf"):
        osm.find_extracts(tmp_path)


def test_overpass_json_keeps_named_walkable_ways_with_their_ids():
    streets = osm.read_extract(TROCADERO_OVERPASS)
    assert {"Avenue Rapp", "Avenue Kléber", "Place du Trocadéro et du 11 Novembre 1918"} <= set(streets["name"])
    assert {"footway", "residential", "steps"} <= set(streets["highway"])
    assert streets["osm_ids"].map(len).eq(1).all()  # one OSM way per line
    assert check_streets(streets[["name", "highway", "geometry"]]) == []


def test_json_that_is_not_an_overpass_response_is_a_french_build_error(tmp_path):
    nominatim = tmp_path / "lieu.json"  # what OSMnx caches beside its Overpass responses: a geocoding answer
    nominatim.write_text(json.dumps([{"place_id": 48096227, "lat": "48.863045", "lon": "2.2871938"}]))
    with pytest.raises(BuildError, match="pas une réponse de l'API Overpass"):
        osm.read_extract(nominatim)


def test_geocoding_answers_beside_overpass_answers_are_left_out_and_said(tmp_path):
    shutil.copytree(PROJECT_DATA / "antony", tmp_path / "data" / "antony")
    (tmp_path / "cache").mkdir()  # an OSMnx cache folder: Overpass answers beside Nominatim answers
    shutil.copy(TROCADERO_OVERPASS, tmp_path / "cache")
    (tmp_path / "cache" / "lieu.json").write_text(json.dumps([{"place_id": 48096227, "lat": "48.863045"}]))
    logs: list[str] = []
    osm.attach(tmp_path / "data", "antony", [(p, "", "") for p in osm.find_extracts(tmp_path / "cache")],
               log=logs.append)
    meta = load_territory(tmp_path / "data", "antony").metadata
    assert [f["file"] for f in meta["streets"]["files"]] == ["trocadero_overpass.json"]
    assert any("lieu.json" in line and "Overpass" in line for line in logs)


def test_openstreetmap_export_is_read_as_osm_xml():
    streets = osm.read_extract(GARE_DU_NORD)
    assert {"Boulevard de Magenta", "Rue de Dunkerque"} <= set(streets["name"])


def test_folder_extracts_list_whole_ways_before_graph_edges(tmp_path):
    for path in (TROCADERO_GRAPH, GARE_DU_NORD, TROCADERO_OVERPASS):
        shutil.copy(path, tmp_path)
    assert [p.name for p in osm.find_extracts(tmp_path)] == ["map.osm", "trocadero_overpass.json", "trocadero.graphml"]


def test_graph_edges_of_ways_read_whole_are_not_drawn_twice():
    ways, graph = osm.read_extract(TROCADERO_OVERPASS), osm.read_extract(TROCADERO_GRAPH)
    merged, kept = osm.merge([ways, graph])
    assert kept == [len(ways), 0]  # the graph was built from this very Overpass answer
    assert len(merged) == len(ways)


def test_the_same_extract_twice_is_merged_once():
    once = osm.read_extract(GARE_DU_NORD)
    merged, kept = osm.merge([once, osm.read_extract(GARE_DU_NORD)])
    assert kept == [len(once), 0] and len(merged) == len(once)


def test_shipped_paris_streets_are_validated_on_load_and_credited():
    data = load_territory(PROJECT_DATA, "paris")
    assert data.streets is not None and len(data.streets) > 1000
    source = next(s for s in data.metadata["sources"] if s["id"] == "osm_streets")
    assert source["publisher"] == "© les contributeurs d'OpenStreetMap" and source["licence"].startswith("ODbL")
    assert 0 < data.metadata["streets"]["bureaux_covered"] < len(data.bureaux)  # partial coverage, said


def test_shipped_paris_metadata_names_each_extract_its_origin_and_coverage():
    meta = load_territory(PROJECT_DATA, "paris").metadata
    files = {f["file"]: f for f in meta["streets"]["files"]}
    assert set(files) == {"trocadero_overpass.json", "trocadero.graphml", "map.osm"}
    assert files["map.osm"]["url"] == "https://github.com/MissMwendwa/Paris-Graphical-Analysis"
    assert files["trocadero.graphml"]["kept"] == 0  # its edges are ways of the Overpass answer, read whole
    assert meta["streets"]["bureaux_covered"] >= max(f["bureaux_covered"] for f in files.values())
    source = next(s for s in meta["sources"] if s["id"] == "osm_streets")
    assert set(source["files"]) == set(files) and "anonx3247/TIPE" in source["note"]


def test_walk_page_credit_names_openstreetmap_and_where_the_extracts_come_from():
    from lib.streetmap import coverage_note

    note = coverage_note(load_territory(PROJECT_DATA, "paris").metadata, ["75056_1613"]).replace("\\", "")
    assert "OpenStreetMap" in note and "ODbL" in note
    assert "github.com/anonx3247/TIPE" in note and "github.com/MissMwendwa/Paris-Graphical-Analysis" in note


def test_streets_file_with_points_fails_the_contract_on_load(tmp_path):
    shutil.copytree(PROJECT_DATA / "paris", tmp_path / "paris")
    streets = load_territory(tmp_path, "paris").streets
    streets.assign(geometry=shapely.get_point(streets.geometry.values, 0)).to_parquet(tmp_path / "paris" / osm.FILE)
    with pytest.raises(DataContractError, match="lignes"):
        load_territory(tmp_path, "paris")


def _antony_copy(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT_DATA / "antony", tmp_path / "data" / "antony")
    return tmp_path / "data"


def test_a_street_reaching_out_of_an_export_does_not_cover_the_bureaux_it_passes():
    bureaux = load_territory(PROJECT_DATA, "paris").bureaux
    export = osm.cut(osm.read_extract(GARE_DU_NORD), bureaux)  # openstreetmap.org export around the Gare du Nord
    covered = osm.covered_bureaux(export, bureaux)
    assert "75056_1030" in covered  # inside the export's bounds: its streets and their junctions
    passing = bureaux[bureaux["bureau_id"] == "75056_0904"]  # 9e: only Rue du Faubourg Poissonnière reaches it
    x, y = lonlat_to_l93(passing["centre_lon"].to_numpy(float), passing["centre_lat"].to_numpy(float))
    assert export.to_crs(LAMBERT93).distance(shapely.Point(x[0], y[0])).min() < osm.COVERED_WITHIN_M
    assert "75056_0904" not in covered


def test_from_folder_merges_every_extract_and_says_what_each_covers(tmp_path):
    shutil.copytree(PROJECT_DATA / "paris", tmp_path / "data" / "paris")
    (tmp_path / "osm").mkdir()
    for path in (TROCADERO_GRAPH, GARE_DU_NORD):
        shutil.copy(path, tmp_path / "osm")
    assert osm.main(["paris", "--from", str(tmp_path / "osm"), "--out", str(tmp_path / "data")]) == 0
    data = load_territory(tmp_path / "data", "paris")
    files = {f["file"]: f for f in data.metadata["streets"]["files"]}
    assert set(files) == {"map.osm", "trocadero.graphml"}
    assert files["map.osm"]["bureaux_covered"] > 0 and files["trocadero.graphml"]["bureaux_covered"] > 0
    assert data.metadata["streets"]["bureaux_covered"] == sum(f["bureaux_covered"] for f in files.values())
    assert {"Boulevard de Magenta", "Avenue Rapp"} <= set(data.streets["name"])  # both parts of Paris drawn


def test_from_folder_adds_streets_to_a_built_territory(tmp_path):
    data_dir = _antony_copy(tmp_path)
    (tmp_path / "osm").mkdir()
    shutil.copy(MELUN_PBF, tmp_path / "osm")
    assert osm.main(["antony", "--from", str(tmp_path / "osm"), "--out", str(data_dir)]) == 0
    meta = json.loads((data_dir / "antony" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["streets"]["bureaux_covered"] == 0  # Melun is not the 92: nothing invented, said so
    assert any(s["id"] == "osm_streets" for s in meta["sources"])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_fetches_the_regional_extract_through_a_mirror(tmp_path):
    data_dir = _antony_copy(tmp_path)
    served = tmp_path / "mirror" / "europe" / "france"
    served.mkdir(parents=True)
    shutil.copy(MELUN_PBF, served / "ile-de-france-latest.osm.pbf")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(tmp_path / "mirror")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code = osm.main(["antony", "--download", "--mirror", f"http://127.0.0.1:{server.server_address[1]}",
                         "--cache", str(tmp_path / "cache"), "--out", str(data_dir)])
    finally:
        server.shutdown()
    assert code == 0
    assert (tmp_path / "cache" / "ile-de-france-latest.osm.pbf").is_file()
    assert load_territory(data_dir, "antony").streets is not None
