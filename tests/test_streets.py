"""The street layer from real OpenStreetMap extracts: a PBF of Melun (tests/data/osm_melun) and the
OSMnx graph of the Trocadéro shipped for Paris (raw/osm_paris_trocadero)."""

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

TESTS_DATA = Path(__file__).parent / "data"
MELUN_PBF = TESTS_DATA / "osm_melun" / "osm_fixture.osm.pbf"
TROCADERO = RAW_DIR / "osm_paris_trocadero"
PROJECT_DATA = Path(__file__).parent.parent / "data"


@functools.cache
def trocadero():
    return osm.read_extract(osm.find_extract(TROCADERO))


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
        osm.find_extract(tmp_path)


def test_shipped_paris_streets_are_validated_on_load_and_credited():
    data = load_territory(PROJECT_DATA, "paris")
    assert data.streets is not None and len(data.streets) > 1000
    source = next(s for s in data.metadata["sources"] if s["id"] == "osm_streets")
    assert source["publisher"] == "© les contributeurs d'OpenStreetMap" and source["licence"].startswith("ODbL")
    assert 0 < data.metadata["streets"]["bureaux_covered"] < len(data.bureaux)  # partial coverage, said


def test_streets_file_with_points_fails_the_contract_on_load(tmp_path):
    shutil.copytree(PROJECT_DATA / "paris", tmp_path / "paris")
    streets = load_territory(tmp_path, "paris").streets
    streets.assign(geometry=shapely.get_point(streets.geometry.values, 0)).to_parquet(tmp_path / "paris" / osm.FILE)
    with pytest.raises(DataContractError, match="lignes"):
        load_territory(tmp_path, "paris")


def _antony_copy(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT_DATA / "antony", tmp_path / "data" / "antony")
    return tmp_path / "data"


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
