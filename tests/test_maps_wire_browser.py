"""The wire format checked on both sides: the element's JavaScript decoder, run in Chromium on
payloads encoded by Python, gives back exactly what Python's own decoder gives."""

from __future__ import annotations

import numpy as np
import pytest

from lib.dataset import load_territory
from lib.maps import geometry, views, wire
from lib.ui.maps import FOLDERS, MODULE_FILE

from .helpers import BROWSER_MARKS, DATA_DIR, chromium

pytestmark = BROWSER_MARKS
ORIGIN = "http://terrain.test"  # answered by the test itself: nothing leaves the machine


@pytest.fixture(scope="module")
def paris_payload() -> bytes:
    """A real payload: Paris's geometry with a turf view (u1/u2/u4/f4 arrays, points, paths)."""
    data = load_territory(DATA_DIR, "paris")
    geom = geometry.encode_geometry(data.bureaux, data.outlines, data.stations)
    chosen = data.bureaux["bureau_id"].tolist()[:2]
    turfs = data.addresses[data.addresses["bureau_id"].isin(chosen)].head(40).assign(
        turf_id=lambda f: np.where(np.arange(len(f)) < 20, "T01", "T02"), stop=lambda f: np.arange(len(f)) % 20 + 1)
    view, _ = views.turf_view(geom, turfs, chosen)
    arrays = {**{f"g.{k}": v for k, v in geom.arrays.items()}, **{f"m.{k}": v for k, v in view.arrays.items()}}
    return wire.pack({"key": geom.key, "view": view.meta, "geometry": geom.meta}, arrays)


def js_decode(blob: bytes) -> dict:
    """What mapelement.js's ``unpack`` and ``parts`` make of ``blob`` in Chromium."""
    module = (FOLDERS["web"] / MODULE_FILE).read_bytes()
    with chromium() as browser:
        context = browser.new_context()
        context.route(f"{ORIGIN}/**", lambda route: route.fulfill(
            status=200, body=module if route.request.url.endswith(".js") else
            (blob if route.request.url.endswith(".bin") else b"<html></html>"),
            content_type="text/javascript" if route.request.url.endswith(".js") else
            ("application/octet-stream" if route.request.url.endswith(".bin") else "text/html")))
        page = context.new_page()
        page.goto(f"{ORIGIN}/")
        return page.evaluate(f"""async () => {{
            const m = await import("{ORIGIN}/mapelement.js");
            const bytes = new Uint8Array(await (await fetch("{ORIGIN}/payload.bin")).arrayBuffer());
            const {{ meta, arrays }} = m.unpack(bytes);
            const out = {{}};
            for (const [k, v] of Object.entries(arrays)) out[k] = [v.constructor.name, Array.from(v)];
            const g = {{}};
            for (const [k, v] of Object.entries(arrays)) if (k.startsWith("g.")) g[k.slice(2)] = v;
            const parts = m.parts(g, "bureaux");
            return {{ meta, arrays: out, parts: parts.length, firstPart: Array.from(parts[0].positions),
                      featureOfParts: parts.map((p) => p.f) }};
        }}""")


JS_TYPES = {"uint8": "Uint8Array", "uint16": "Uint16Array", "uint32": "Uint32Array", "int32": "Int32Array",
            "float32": "Float32Array", "float64": "Float64Array"}


@pytest.fixture(scope="module")
def decoded(paris_payload) -> dict:
    return js_decode(paris_payload)


def test_the_browser_reads_the_same_header(paris_payload, decoded):
    meta, _ = wire.unpack(paris_payload)
    assert decoded["meta"] == meta


def test_the_browser_reads_every_array_with_its_type_and_values(paris_payload, decoded):
    _, arrays = wire.unpack(paris_payload)
    assert set(decoded["arrays"]) == set(arrays)
    for name, values in arrays.items():
        kind, js_values = decoded["arrays"][name]
        assert kind == JS_TYPES[values.dtype.name], name
        assert np.array_equal(np.asarray(js_values, dtype=values.dtype), values.reshape(-1)), name


def test_the_browser_cuts_the_same_polygon_parts_as_python(paris_payload, decoded):
    _, arrays = wire.unpack(paris_payload)
    geom_arrays = {k[2:]: v for k, v in arrays.items() if k.startswith("g.")}
    python_parts = [(f, rings) for f in range(len(geom_arrays["bureaux.poly"]) - 1)
                    for rings in geometry.rings_of(geom_arrays, "bureaux", f)]
    assert decoded["parts"] == len(python_parts)
    assert decoded["featureOfParts"] == [f for f, _ in python_parts]
    first = np.concatenate(python_parts[0][1]).reshape(-1)  # exterior then holes, flat lon/lat
    assert np.allclose(decoded["firstPart"], first)
