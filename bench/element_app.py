"""The map element alone, for comparison with the full map page: one slider, the priority map.

Same per-move path as the page (priority.compute → ui.priority_map) on the
territory ``BENCH_TERRITORY`` of ``TERRAIN_DATA_DIR``; what the rest of the page costs per move
is the difference with the page's figure.
"""

import os
from dataclasses import replace

import streamlit as st

from lib import criteria as crit
from lib import priority, scoring, ui
from lib.config import load_settings
from lib.dataset import load_territory
from lib.viewstate import default_view

territory = os.environ.get("BENCH_TERRITORY", "paris")


@st.cache_resource
def prepared(tid: str):
    conf = load_settings()
    data = load_territory(conf.data_dir, tid)
    frame = crit.build_criteria(data, crit.Choices(crit.elections_with_results(data)[0], ()), conf.criteria, conf.blocs)
    return conf, data, frame, scoring.normalise_criteria(frame.values)


conf, data, frame, normalised = prepared(territory)


@st.fragment
def view() -> None:
    w = st.slider("Abstention", 0, 100, 35)
    v = default_view(conf, territory)
    v = replace(v, weights={**v.weights, "abstention": w})
    result = priority.compute(normalised, v, conf, frame.unavailable)
    ui.priority_map(data, result, key="bench-map", height="600px")


view()
