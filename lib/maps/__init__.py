"""Every in-app map, drawn by one deck.gl element: geometry once, what changes per rerun.

One package, one job per module (lonboard's serialisation apart from its layers is the model):

- :mod:`lib.maps.wire` — the binary container (JSON header + aligned typed arrays), decoded by
  the element's JavaScript (``lib/ui/web/mapelement.js``) exactly as :func:`~lib.maps.wire.unpack`
  does here; the browser tests run that decoder on payloads encoded here.
- :mod:`lib.maps.styles` — colours, widths and sizes of every layer, defined once and sent to the
  browser with the geometry (the JavaScript reads them; it defines none).
- :mod:`lib.maps.geometry` — a territory's screen geometry (simplified to what a screen shows,
  framed, labelled), encoded once and cached beside the dataset (``map_geometry.bin``).
- :mod:`lib.maps.views` — what one map shows on that geometry, one function per map kind
  (priority, territory, coverage, turfs, door statuses, départements).

Pure (numpy, shapely, pandas): :mod:`lib.ui.maps` is the only Streamlit side.
"""
