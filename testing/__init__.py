"""Test tooling shared by the test suite (tests/) and the benchmarks (bench/), kept out of the
product package ``lib/``: a throwaway PostgreSQL cluster (``pgcluster``) and a loopback port and
health wait for Streamlit servers (``localserver``). Nothing in ``lib/``, ``pages/`` or ``app.py``
imports it."""
