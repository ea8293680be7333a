"""Terrain: pure core (no Streamlit here except ``lib.ui``)."""
