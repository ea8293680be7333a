"""Any territory from national-layout files, downloaded from a local mirror (no network)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from lib import download
from lib.config import load_sources
from lib.dataset import load_territory
from lib.datasets import national
from lib.datasets.__main__ import main as build_cli
from lib.errors import BuildError

from .helpers import RAW_DIR, filosofi_archive

SOURCES = load_sources()
RESOURCE_FILES = {  # source id → real 92-13 extract (row crops of the national files) served for it
    "contours": "hds_9213_viz/bv_contours_etalab_9213.geojson",
    "leg2024t1": "hds_9213_viz/legislatives2024_t1_9213.csv",
    "leg2024t2": "hds_9213_viz/legislatives2024_t2_9213.csv",
    "euro2024": "hds_9213_viz/europeennes2024_9213.csv",
    "leg2022t2": "hds_9213_viz/legislatives2022_t2_9213.csv",
    "idfm_gares": "idfm_gares/emplacement-des-gares-idf.csv.gz",
}


def mirror_path(root: Path, sid: str) -> Path:
    """Where a mirror of the official servers holds a source: the path of its official URL."""
    return root / urlsplit(SOURCES[sid]["url"]).path.lstrip("/")


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
    for sid, src in RESOURCE_FILES.items():
        mirror_path(root, sid).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RAW_DIR / src, mirror_path(root, sid))
    mirror_path(root, "filosofi_200m").parent.mkdir(parents=True, exist_ok=True)
    filosofi_archive(mirror_path(root, "filosofi_200m"))
    handler = functools.partial(RangeHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    RangeHandler.truncate = set()
    server.shutdown()


def test_mirror_is_laid_out_by_data_gouv_resource_id(mirror):
    root, _ = mirror
    assert (root / "fr/datasets/r/6813fb28-7ec0-42ff-a528-2bc3d82d7dcd").is_file()  # législatives 2024 T1


def test_circonscription_built_through_the_download_path(mirror, tmp_path):
    _root, url = mirror
    code = build_cli(["--circonscription", "92-13", "--download", "--mirror", url,
                      "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "data")])
    assert code == 0
    data = load_territory(tmp_path / "data", "circonscription-92-13")
    assert len(data.bureaux) == 91
    assert {"leg2024t1", "leg2024t2", "euro2024", "leg2022t2"} <= {e["id"] for e in data.elections}
    assert "social_housing" in data.indicators.columns


def test_downloads_keep_published_names_and_check_size_and_checksum(mirror, tmp_path):
    root, url = mirror
    national.fetch(SOURCES, tmp_path, mirror=url, departement="92", log=lambda *_: None)
    registry = json.loads((tmp_path / "checksums.json").read_text()) if (tmp_path / "checksums.json").exists() else {}
    for sid in [*RESOURCE_FILES, "filosofi_200m"]:
        cached = tmp_path / sid / SOURCES[sid]["file"]
        served = mirror_path(root, sid)
        assert cached.stat().st_size == served.stat().st_size
        record = json.loads((tmp_path / sid / "checksums.json").read_text())
        assert [r["sha256"] for r in record.values()] == [download.sha256(served)]
    assert not registry  # one registry per source folder


def test_commune_from_a_local_folder(mirror, tmp_path):
    _root, url = mirror
    cache = national.fetch(SOURCES, tmp_path / "cache", mirror=url, departement="92", log=lambda *_: None)
    meta = national.build(national.Selector("commune", "92002"), folder=cache, out_dir=tmp_path / "data",
                          log=lambda *_: None)
    assert meta["coverage"]["bureaux"] == 44
    assert any("BAN" in n for n in meta["notes"])  # missing files are reported, not invented


def test_progress_is_reported_and_a_cached_file_is_reused(mirror, tmp_path):
    _root, url = mirror
    resource = f"{url}/fr/datasets/r/6813fb28-7ec0-42ff-a528-2bc3d82d7dcd"
    seen = []
    path = download.download(resource, tmp_path, filename="resultats-definitifs-par-bureau-de-vote.csv",
                             progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
    mtime = path.stat().st_mtime_ns
    download.download(resource, tmp_path, filename="resultats-definitifs-par-bureau-de-vote.csv")
    assert path.stat().st_mtime_ns == mtime


def test_truncated_download_is_detected_then_resumed(mirror, tmp_path):
    _, url = mirror
    resource = f"{url}/fr/datasets/r/cc1883d9-1265-4365-b754-fb6aef22d82e"
    RangeHandler.truncate = {"cc1883d9-1265-4365-b754-fb6aef22d82e"}
    with pytest.raises(BuildError, match="tronqué"):
        download.download(resource, tmp_path, filename="euro.csv")
    assert (tmp_path / "euro.csv.part").exists()
    RangeHandler.truncate = set()
    path = download.download(resource, tmp_path, filename="euro.csv")
    assert path.read_bytes() == (RAW_DIR / "hds_9213_viz/europeennes2024_9213.csv").read_bytes()


def test_changed_upstream_file_is_noticed(mirror, tmp_path):
    root, url = mirror
    resource = f"{url}/fr/datasets/r/ca974f04-cfd9-4da8-8554-4a868a09c6c2"
    download.download(resource, tmp_path, filename="t2.csv")
    mirror_path(root, "leg2024t2").write_bytes(b"changed upstream\n")
    with pytest.raises(BuildError, match="a changé"):
        download.download(resource, tmp_path, filename="t2.csv", refresh=True)


@pytest.fixture
def cache(mirror, tmp_path):
    _, url = mirror
    return national.fetch(SOURCES, tmp_path / "cache", mirror=url, departement="92", log=lambda *_: None)


@pytest.mark.parametrize(("kind", "code", "fragment"), [
    ("commune", "9200", "invalide"),
    ("commune", "75056", "aucun bureau de vote"),
    ("departement", "AB", "invalide"),
])
def test_bad_territory_codes_get_french_messages(cache, tmp_path, kind, code, fragment):
    with pytest.raises(BuildError, match=fragment):
        national.build(national.Selector(kind, code), folder=cache, out_dir=tmp_path, log=lambda *_: None)


def test_a_results_file_the_build_cannot_read_is_skipped_with_its_name(cache, tmp_path):
    (cache / "leg2024t1" / "resultats-definitifs-par-bureau-de-vote.csv").write_text(
        "id;numero;nom_voie;x;y\n1;2;Rue;3;4\n", encoding="utf-8")
    meta = national.build(national.Selector("commune", "92002"), folder=cache, out_dir=tmp_path, log=lambda *_: None)
    assert "leg2024t1" not in {e["id"] for e in meta["elections"]}
    assert {"leg2024t2", "euro2024"} <= {e["id"] for e in meta["elections"]}
    assert any("non utilisé" in n and "resultats-definitifs-par-bureau-de-vote.csv" in n for n in meta["notes"])


def test_no_contours_means_no_build_and_previous_data_untouched(cache, tmp_path):
    shutil.rmtree(cache / "contours")
    previous = tmp_path / "data" / "commune-92002"
    previous.mkdir(parents=True)
    (previous / "metadata.json").write_text("{}")
    with pytest.raises(BuildError, match="contours"):
        national.build(national.Selector("commune", "92002"), folder=cache, out_dir=tmp_path / "data",
                       log=lambda *_: None)
    assert (previous / "metadata.json").read_text() == "{}"
