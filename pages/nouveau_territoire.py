"""Page under construction."""

import streamlit as st

from lib import ui

ui.page_setup("Terrain")
st.info("Cette page arrive bientôt.")
ui.publish_view()
