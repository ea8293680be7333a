"""Plain helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from lib.maps import wire

MAP_COMPONENT = "terrain.map"  # lib.ui.maps' element


def map_payload(at: AppTest, kind: str | None = None) -> tuple[dict, dict[str, np.ndarray], int]:
    """Header, arrays and size in bytes of what the last map (of ``kind``) received in the last run."""
    elements = [e for e in at.get("bidi_component") if e.proto.component_name == MAP_COMPONENT]
    payloads = [(wire.unpack(e.proto.bytes), len(e.proto.bytes)) for e in elements]
    chosen = [(m, a, n) for (m, a), n in payloads if kind is None or m["kind"] == kind]
    assert chosen, f"no {kind or ''} map on the page (maps: {[m['kind'] for (m, _), _ in payloads]})"
    return chosen[-1]


def bureau_colours(at: AppTest, kind: str | None = None) -> list[list[int]]:
    """Per-bureau RGBA the last map (of ``kind``) received, in the geometry's order."""
    meta, arrays, _ = map_payload(at, kind)
    return [meta["view"]["palette"][i] for i in arrays["m.colour"].tolist()]
