"""Any territory from national-layout files, downloaded from a local mirror (no network)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from lib import download
from lib.build import national
from lib.build.__main__ import main as build_cli
from lib.dataset import load_territory
from lib.errors import BuildError

from .conftest import RAW_DIR

MIRROR_FILES = {  # config file name → 92-13 extract (row crops of the national files)
    "contours-france-entiere-latest-v2.geojson": "hds_9213_viz/bv_contours_etalab_9213.geojson",
    "leg2024t1_burvot.csv": "hds_9213_viz/legislatives2024_t1_9213.csv",
    "leg2024t2_burvot.csv": "hds_9213_viz/legislatives2024_t2_9213.csv",
    "euro2024_burvot.csv": "hds_9213_viz/europeennes2024_9213.csv",
    "leg2022t2_burvot.csv": "hds_9213_viz/legislatives2022_t2_9213.csv",
    "filosofi2019_carreaux_200m.geojson": "hds_9213_viz/filosofi2019_carreaux_200m_9213.geojson",
    "emplacement-des-gares-idf.csv.gz": "idfm_gares/emplacement-des-gares-idf.csv.gz",
}


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with HTTP Range support (the stdlib server has none) and a truncation switch."""

    truncate: ClassVar[set[str]] = set()

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        if "Range" in self.headers:
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if path.name in self.truncate:
            body = body[: len(body) // 2]
        self.wfile.write(body)


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    for name, src in MIRROR_FILES.items():
        shutil.copy(RAW_DIR / src, root / name)
    handler = functools.partial(RangeHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    RangeHandler.truncate = set()
    server.shutdown()


def test_circonscription_built_through_the_download_path(mirror, tmp_path):
    _, url = mirror
    code = build_cli(["--circonscription", "92-13", "--download", "--mirror", url,
                      "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "data")])
    assert code == 0
    data = load_territory(tmp_path / "data", "circonscription-92-13")
    assert len(data.bureaux) == 91
    assert {"leg2024t1", "leg2024t2", "euro2024", "leg2022t2"} <= {e["id"] for e in data.elections}
    assert "social_housing" in data.indicators.columns
    assert json.loads((tmp_path / "cache" / "checksums.json").read_text())  # recorded on first download


def test_commune_from_a_local_folder(mirror, tmp_path):
    root, _ = mirror
    meta = national.build(national.Selector("commune", "92002"), folder=root, out_dir=tmp_path / "data",
                          log=lambda *_: None)
    assert meta["coverage"]["bureaux"] == 44
    assert any("BAN" in n for n in meta["notes"])  # missing files are reported, not invented


def test_progress_is_reported_and_a_cached_file_is_reused(mirror, tmp_path):
    _, url = mirror
    seen = []
    path = download.download(f"{url}/leg2024t1_burvot.csv", tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
    mtime = path.stat().st_mtime_ns
    download.download(f"{url}/leg2024t1_burvot.csv", tmp_path)
    assert path.stat().st_mtime_ns == mtime


def test_truncated_download_is_detected_then_resumed(mirror, tmp_path):
    _, url = mirror
    RangeHandler.truncate = {"euro2024_burvot.csv"}
    with pytest.raises(BuildError, match="tronqué"):
        download.download(f"{url}/euro2024_burvot.csv", tmp_path)
    assert (tmp_path / "euro2024_burvot.csv.part").exists()
    RangeHandler.truncate = set()
    path = download.download(f"{url}/euro2024_burvot.csv", tmp_path)
    assert path.read_bytes() == (RAW_DIR / "hds_9213_viz/europeennes2024_9213.csv").read_bytes()


def test_changed_upstream_file_is_noticed(mirror, tmp_path):
    root, url = mirror
    download.download(f"{url}/leg2024t2_burvot.csv", tmp_path)
    (root / "leg2024t2_burvot.csv").write_bytes(b"changed upstream\n")
    with pytest.raises(BuildError, match="a changé"):
        download.download(f"{url}/leg2024t2_burvot.csv", tmp_path, refresh=True)


@pytest.mark.parametrize(("kind", "code", "fragment"), [
    ("commune", "9200", "invalide"),
    ("commune", "75056", "aucun bureau de vote"),
    ("departement", "AB", "invalide"),
])
def test_bad_territory_codes_get_french_messages(mirror, tmp_path, kind, code, fragment):
    root, _ = mirror
    with pytest.raises(BuildError, match=fragment):
        national.build(national.Selector(kind, code), folder=root, out_dir=tmp_path, log=lambda *_: None)


def test_a_results_file_of_the_wrong_layout_is_named(mirror, tmp_path):
    root, _ = mirror
    (root / "leg2024t1_burvot.csv").write_text("id;numero;nom_voie\n1;2;Rue\n", encoding="utf-8")
    with pytest.raises(BuildError) as err:
        national.build(national.Selector("commune", "92002"), folder=root, out_dir=tmp_path, log=lambda *_: None)
    assert "leg2024t1_burvot.csv" in str(err.value)


def test_no_contours_means_no_build_and_previous_data_untouched(mirror, tmp_path):
    root, _ = mirror
    (root / "contours-france-entiere-latest-v2.geojson").unlink()
    previous = tmp_path / "data" / "commune-92002"
    previous.mkdir(parents=True)
    (previous / "metadata.json").write_text("{}")
    with pytest.raises(BuildError, match="contours"):
        national.build(national.Selector("commune", "92002"), folder=root, out_dir=tmp_path / "data",
                       log=lambda *_: None)
    assert (previous / "metadata.json").read_text() == "{}"
