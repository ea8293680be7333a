"""The map element's container: what Python packs, the browser (and Python) unpack unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from lib.maps import wire


def test_pack_unpack_round_trip_keeps_header_and_every_array():
    arrays = {"a": np.arange(7, dtype=np.uint8), "b": np.array([[1.5, 2.5]], dtype=np.float32),
              "c": np.array([70_000, 3], dtype=np.uint32)}
    meta, back = wire.unpack(wire.pack({"key": "k", "texts": ["é", "<b>"]}, arrays))
    assert meta == {"key": "k", "texts": ["é", "<b>"]}
    for name, arr in arrays.items():
        assert back[name].dtype == arr.dtype and np.array_equal(back[name], arr)


def test_arrays_start_on_8_byte_boundaries_for_zero_copy_views():
    blob = wire.pack({"x": 1}, {"a": np.arange(3, dtype=np.uint8), "b": np.arange(3, dtype=np.float64)})
    _, arrays = wire.unpack(blob)
    base = len(blob) - sum(a.nbytes + (-a.nbytes) % 8 for a in arrays.values())
    assert base % 8 == 0
    assert np.array_equal(np.frombuffer(blob, np.float64, 3, base + 8), [0, 1, 2])  # b after a's 3 bytes + pad


def test_an_array_type_the_browser_cannot_read_is_refused_when_packing():
    with pytest.raises(ValueError, match="unknown to the browser"):
        wire.pack({}, {"big": np.arange(3, dtype=np.int64)})


def test_a_foreign_payload_is_refused():
    with pytest.raises(ValueError, match="not a map payload"):
        wire.unpack(b"GIF89a....")


def test_palette_index_gives_one_entry_per_distinct_colour():
    rgba = np.array([[1, 2, 3, 255], [9, 9, 9, 255], [1, 2, 3, 255]], dtype=np.uint8)
    index, palette = wire.palette_index(rgba)
    assert len(palette) == 2 and [palette[i] for i in index] == rgba.tolist()
    assert index.dtype == np.uint8


def test_text_index_keeps_each_distinct_text_once():
    index, texts = wire.text_index(["b", "a", "b", ""])
    assert sorted(texts) == ["", "a", "b"] and [texts[i] for i in index] == ["b", "a", "b", ""]


def test_ranks_of_a_city_fit_in_two_bytes_and_of_france_in_four():
    assert wire.smallest_uint(903) is np.uint16 and wire.smallest_uint(70_000) is np.uint32
