"""Resumable, cached downloads of the official national files, with recorded checksums.

- *Cached*: a file already in the cache is not downloaded again.
- *Resumable*: an interrupted download leaves ``<name>.part``; the next call asks the server for
  the rest (HTTP ``Range``) and appends it.
- *Checked*: the expected size (``Content-Length``) must be reached, or the download is reported
  as truncated (the ``.part`` stays for a resume). The SHA-256 of every file is recorded in
  ``checksums.json`` on first download; a later download of the same URL with another checksum
  means the publisher changed the file, and the build says so instead of mixing vintages.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from lib.errors import BuildError

Progress = Callable[[int, int | None], None]
CHUNK = 1 << 20


def sha256(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _registry(cache: Path) -> dict:
    path = cache / "checksums.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save_registry(cache: Path, registry: dict) -> None:
    (cache / "checksums.json").write_text(json.dumps(registry, indent=1, sort_keys=True), encoding="utf-8")


def download(url: str, cache: Path, *, filename: str | None = None, progress: Progress | None = None,
             refresh: bool = False, timeout: float = 60) -> Path:
    """The file at ``url`` in ``cache`` (downloaded, resumed or reused); French errors."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    name = filename or url.rstrip("/").rsplit("/", 1)[-1] or "download"
    final = cache / name
    part = cache / f"{name}.part"
    registry = _registry(cache)
    if final.exists() and not refresh:
        known = registry.get(url)
        if known and known["sha256"] != sha256(final):
            raise BuildError("le fichier en cache ne correspond plus à la somme de contrôle enregistrée : "
                             "supprimez-le et relancez le téléchargement.", source=str(final))
        return final
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "Terrain/1.0"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # the .part is already complete
            part.rename(final)
            return _record(url, final, registry, cache)
        raise BuildError(f"téléchargement refusé (HTTP {err.code}).", source=url) from err
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise BuildError(f"téléchargement impossible ({err}). Vérifiez la connexion, ou utilisez --from "
                         "avec un dossier où les fichiers sont déjà présents.", source=url) from err
    with response:
        resumed = response.status == 206
        if not resumed:
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        done = offset
        with open(part, "ab" if resumed else "wb") as fh:
            try:
                for block in iter(lambda: response.read(CHUNK), b""):
                    fh.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
            except (OSError, urllib.error.URLError) as err:
                raise BuildError(f"téléchargement interrompu à {done} octets ; relancez pour reprendre.",
                                 source=url) from err
    if total is not None and done < total:
        raise BuildError(f"téléchargement tronqué ({done} octets sur {total}) ; relancez pour reprendre.",
                         source=url)
    part.replace(final)
    return _record(url, final, registry, cache)


def _record(url: str, path: Path, registry: dict, cache: Path) -> Path:
    digest = sha256(path)
    known = registry.get(url)
    if known and known["sha256"] != digest:
        raise BuildError(f"le fichier publié a changé depuis le premier téléchargement du "
                         f"{known['first_seen'][:10]} (somme de contrôle différente). Vérifiez sa nouvelle "
                         "version avant de reconstruire, puis supprimez son entrée de checksums.json.",
                         source=url)
    if not known:
        registry[url] = {"sha256": digest, "size": path.stat().st_size, "file": path.name,
                         "first_seen": datetime.now(UTC).isoformat(timespec="seconds")}
        _save_registry(cache, registry)
    return path
