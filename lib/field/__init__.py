"""The volunteers' return page beside the Streamlit app: plain routes, no Streamlit session per phone.

Why: a tap through a Streamlit page was a full script rerun over a WebSocket (≈ 1.2 s) and was
lost when the signal dropped. Here a phone loads a small static page once (kept by a service
worker), taps go to an outbox in the browser and reach :mod:`lib.field.api` in batches.
Pure of Streamlit: ``serve.py`` mounts :func:`lib.field.api.field_routes` in ``st.App``.
"""
