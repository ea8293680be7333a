"""The straightforward route, for comparison only: a GeoDataFrame straight into a pydeck
GeoJsonLayer, re-sent with pydeck's default (indented) JSON on every slider move."""

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pydeck as pdk
import streamlit as st

territory = os.environ.get("BENCH_TERRITORY", "paris")
gdf = gpd.read_parquet(Path(os.environ.get("TERRAIN_DATA_DIR", "data")) / territory / "bureaux.parquet")
rng = np.random.default_rng(0)
a, b = rng.uniform(0, 1, len(gdf)), rng.uniform(0, 1, len(gdf))
w = st.slider("Abstention", 0, 100, 35)
score = (w * a + (100 - w) * b) / 100
gdf = gdf.assign(score=score, fill=[[int(255 * s), 80, int(255 * (1 - s)), 200] for s in score])
layer = pdk.Layer("GeoJsonLayer", gdf[["bureau_id", "label", "score", "fill", "geometry"]],
                  get_fill_color="fill", pickable=True, stroked=True, get_line_color=[255, 255, 255],
                  line_width_min_pixels=0.5)
c = gdf.union_all().centroid
st.pydeck_chart(pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(longitude=c.x, latitude=c.y, zoom=11),
                         tooltip={"text": "{label}: {score}"}), height=600)
