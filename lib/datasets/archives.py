"""Opening source files safely: compression sniffed from the content (not the suffix), decompression
capped (a bomb stops early with a French error), encodings detected, truncated or malformed tables
and vector files reported in French."""

from __future__ import annotations

import codecs
import gzip
import io
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import pandas as pd

from lib.config import BYTES_PER_MB
from lib.errors import BuildError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"


def magic(path: Path) -> bytes:
    """The first bytes of a file: its real kind, whatever its suffix says."""
    with open(path, "rb") as fh:
        return fh.read(6)


MAX_RATIO = 100  # real gzip/zip/7z sources expand 5–15×; a bomb expands 1,000×
MIN_CAP = 64 * BYTES_PER_MB  # small files may expand more, up to this many bytes
READ1_BYTES = 1 << 16  # what read1() returns when the caller leaves the amount open


def expansion_cap(compressed: int) -> int:
    """Most bytes a compressed source of ``compressed`` bytes may expand to."""
    return max(MIN_CAP, MAX_RATIO * compressed)


def bomb_error(path: Path, compressed: int) -> BuildError:
    return BuildError(f"archive qui se décompresse au-delà de {expansion_cap(compressed) // BYTES_PER_MB} Mo (plus de "
                      f"{MAX_RATIO} fois sa taille) : fichier piégé ou corrompu, lecture arrêtée. Re-téléchargez-le "
                      "depuis la page officielle.", source=str(path))


class CappedReader(io.BufferedIOBase):
    """A decompressing stream that stops, with a French error, past :func:`expansion_cap`."""

    def __init__(self, inner: BinaryIO, path: Path) -> None:
        self.inner, self.path, self.total = inner, path, 0
        self.compressed = Path(path).stat().st_size

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.inner.read(-1 if size is None else size)
        self.total += len(data)
        if self.total > expansion_cap(self.compressed):
            raise bomb_error(self.path, self.compressed)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else READ1_BYTES)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def open_binary(path: Path) -> BinaryIO:
    """A file opened for reading, decompressed when it is gzip (sniffed, not guessed from « .gz »).

    Why: the SNCF and IDFM exports are plain CSV that browsers save as ``.csv.gz``; and a gzip
    bomb posing as a stations file must stop early, not fill the memory.
    """
    if magic(path).startswith(GZIP_MAGIC):
        return CappedReader(gzip.open(path, "rb"), path)
    return open(path, "rb")


def detect_encoding(path: Path, *, chunk: int = 1 << 20) -> str:
    """``utf-8-sig`` when the whole (decompressed) stream is UTF-8, else ``cp1252``.

    An incremental decoder reads the file once in chunks: a chunk boundary inside « é » is
    carried over, not taken for a Latin-1 byte (the 200,000-byte sniff did exactly that).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open_binary(path) as fh:
            for block in iter(lambda: fh.read(chunk), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    except (EOFError, OSError) as err:
        raise BuildError(f"fichier tronqué ou corrompu ({err}).", source=str(path)) from err
    return "utf-8-sig"


def read_text_table(path: Path, *, sep: str = ";", dtype: Any = str, **kwargs: Any) -> pd.DataFrame:
    """Read a (possibly gzipped) CSV with a French error on truncation or bad layout."""
    try:
        with open_binary(path) as fh:
            return pd.read_csv(fh, sep=sep, dtype=dtype, **kwargs)
    except BuildError:
        raise
    except (EOFError, OSError, gzip.BadGzipFile) as err:
        raise BuildError(f"fichier tronqué ou corrompu ({err}).", source=str(path)) from err
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise BuildError(f"mise en forme inattendue ({err}).", source=str(path)) from err


def read_vector(path: Path, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read a GeoJSON/GeoPackage (possibly gzipped) with a French error when it cannot be read."""
    try:
        if magic(path).startswith(GZIP_MAGIC):
            with open_binary(path) as fh:
                return gpd.read_file(io.BytesIO(fh.read()), **kwargs)
        return gpd.read_file(path, **kwargs)
    except BuildError:
        raise
    except Exception as err:  # pyogrio raises several types for broken files
        raise BuildError(f"géométries illisibles ({type(err).__name__}: {err}).",
                         source=str(path)) from err
