"""The map element's binary container: a JSON header naming typed arrays that follow.

``MAGIC | u32 header length | header JSON | pad | arrays``, each array padded to 8 bytes so
the browser makes zero-copy typed-array views on one buffer. The JavaScript decoder
(``unpack`` in ``lib/ui/web/mapelement.js``) mirrors :func:`unpack`; both sides are tested on the
same payloads (tests/test_maps_wire.py, tests/test_map_browser.py).
"""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np

MAGIC = b"TMW1"
ALIGN = 8
DTYPES = ("u1", "u2", "u4", "i4", "f4", "f8")  # what the JavaScript decoder knows (TYPES there)


def _pad(n: int) -> int:
    return (-n) % ALIGN


def pack(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """One payload: ``meta`` (JSON-able) and little-endian ``arrays``, listed in the header as
    ``[name, dtype, shape, offset]`` (offset from the first array)."""
    table, chunks, offset = [], [], 0
    for name, arr in arrays.items():
        a = np.ascontiguousarray(arr)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        dtype = a.dtype.str.lstrip("<|=")
        if dtype not in DTYPES:
            raise ValueError(f"array {name!r}: dtype {dtype} unknown to the browser's decoder")
        raw = a.tobytes()
        table.append([name, dtype, list(a.shape), offset])
        chunks += [raw, b"\x00" * _pad(len(raw))]
        offset += len(raw) + _pad(len(raw))
    header = json.dumps({**meta, "arrays": table}, separators=(",", ":"), ensure_ascii=False).encode()
    head = MAGIC + struct.pack("<I", len(header)) + header
    return head + b"\x00" * _pad(len(head)) + b"".join(chunks)


def unpack(blob: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Inverse of :func:`pack`."""
    if blob[:4] != MAGIC:
        raise ValueError("not a map payload")
    (length,) = struct.unpack("<I", blob[4:8])
    meta = json.loads(blob[8:8 + length].decode())
    start = 8 + length + _pad(8 + length)
    arrays = {}
    for name, dtype, shape, offset in meta.pop("arrays"):
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(blob, dtype=np.dtype(dtype), count=count,
                                     offset=start + offset).reshape(shape)
    return meta, arrays


def smallest_uint(max_value: int) -> type[np.unsignedinteger]:
    """The narrowest unsigned type holding ``max_value`` (ranks of 903 bureaux fit in 2 bytes)."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_value <= np.iinfo(dtype).max:
            return dtype
    raise ValueError(f"{max_value} does not fit in 32 bits")


def palette_index(rgba: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Per-item index into the distinct RGBA colours (a map has a handful: one per class)."""
    colours = np.ascontiguousarray(np.asarray(rgba, dtype=np.uint8).reshape(-1, 4))
    packed = colours.view(np.uint32).reshape(-1)  # one integer per RGBA: a 1-D unique is fast
    codes, index = np.unique(packed, return_inverse=True)
    palette = codes.view(np.uint8).reshape(-1, 4)
    return index.reshape(-1).astype(smallest_uint(max(len(codes) - 1, 0))), palette.astype(int).tolist()


def text_index(texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """Per-item index into the distinct texts (tooltips repeat: a few dozen distinct lines)."""
    uniques, index = np.unique(np.asarray(texts, dtype=object).astype(str), return_inverse=True)
    return index.reshape(-1).astype(smallest_uint(max(len(uniques) - 1, 0))), uniques.tolist()


def fingerprint(meta: dict, arrays: dict[str, np.ndarray]) -> str:
    """Short content hash of a payload: identifies a geometry in the browser's memory."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()
