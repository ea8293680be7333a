"""Cached loaders and the session's own imports.

Cached functions take plain arguments (ids, paths, tuples) and read nothing else: a value read
from a global or from ``st.session_state`` inside them would be missing from the cache key and
serve stale results. Big read-only objects (datasets, screen geometry) live in
``st.cache_resource`` and are shared by every session: never mutate them.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd
import streamlit as st

from lib import criteria as crit
from lib import potential, scoring, walk
from lib.config import Settings, load_settings
from lib.dataset import TerritoryData, list_territories, load_territory
from lib.errors import TerrainError
from lib.maps.geometry import ScreenGeometry, encode_departments, load_screen_geometry
from lib.results_import import ImportedElection
from lib.streetnet import StreetNetwork


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """Domain settings (config.toml)."""
    return load_settings()


@st.cache_resource(show_spinner="Chargement du territoire…", max_entries=8)
def territory_data(territory_id: str, data_dir: str) -> TerritoryData:
    """A validated territory dataset, shared read-only by every session."""
    return load_territory(data_dir, territory_id)  # type: ignore[arg-type]


@st.cache_resource(show_spinner=False, max_entries=8)
def screen_geometry_of(territory_id: str, data_dir: str) -> ScreenGeometry:
    """A territory's map geometry, read from ``map_geometry.bin`` beside the dataset when that file
    matches the dataset (else encoded and written there for the next cold start)."""
    return load_screen_geometry(territory_data(territory_id, data_dir), data_dir)


def screen_geometry(data: TerritoryData) -> ScreenGeometry:
    """The map geometry of a loaded territory (cached per territory, shared by every map kind)."""
    return screen_geometry_of(data.id, str(settings().data_dir))


@st.cache_resource(show_spinner="Préparation de la carte par département…", max_entries=4)
def department_geometry_of(territory_id: str, data_dir: str) -> ScreenGeometry:
    """One shape per département of a large territory (dissolving 70,000 bureaux takes seconds)."""
    return encode_departments(territory_data(territory_id, data_dir).bureaux)


def department_geometry(data: TerritoryData) -> ScreenGeometry:
    """The département map geometry of a loaded territory (cached per territory)."""
    return department_geometry_of(data.id, str(settings().data_dir))


@st.cache_data(show_spinner="Découpage des parcours…", max_entries=16)
def turfs_for(territory_id: str, data_dir: str, bureau_ids: tuple[str, ...], plan: walk.TurfPlan,
              opposed_ids: frozenset[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every turf of these bureaux (in their priority order), each fitting one outing, and their
    summary (cutting 10,000 addresses ≈ 1–2 s). The capacity plan takes the first of them
    (:func:`lib.capacity.fill_outings`, cheap, not cached): more volunteers never re-cut.

    Every input of the cut — outing length, team size and door rates included — is an argument
    (``plan``), so a change of any of them gives new turfs.
    """
    data = territory_data(territory_id, data_dir)
    return walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), bureau_ids, plan,
                           opposed=opposed_ids, network=street_network_of(territory_id, data_dir))


@st.cache_resource(show_spinner=False, max_entries=8)
def street_network_of(territory_id: str, data_dir: str) -> StreetNetwork | None:
    """The territory's walkable street network (None without an OpenStreetMap layer), shared."""
    streets = territory_data(territory_id, data_dir).streets
    return StreetNetwork.from_streets(streets) if streets is not None and len(streets) else None


# ---------------------------------------------------------------------------------------------
# Criteria: cached per territory + this session's imports, identified by their fingerprint.
# ---------------------------------------------------------------------------------------------

def _territory(territory_id: str, data_dir: str, _data: TerritoryData | None) -> TerritoryData:
    return _data if _data is not None else territory_data(territory_id, data_dir)


@st.cache_data(show_spinner=False, max_entries=64)
def normalised_criteria(territory_id: str, data_dir: str, choices: crit.Choices, method: str,
                        left_out: frozenset[str], imports_key: str = "", _data: TerritoryData | None = None
                        ) -> tuple[pd.DataFrame, dict[str, str], scoring.NormalisedCriteria]:
    """Criteria values, unavailable reasons and their normalisation (weight-independent).

    ``left_out``: the « bureaux atypiques » set aside (blanked before normalisation).

    ``_data`` (not hashed) is the territory with this session's imported elections, identified
    by ``imports_key`` (a fingerprint of their content, see :func:`imports_key`).
    """
    conf = settings()
    frame = crit.build_criteria(_territory(territory_id, data_dir, _data), choices, conf.criteria, conf.blocs)
    normalised = scoring.normalise_criteria(frame.values, method=method, left_out=left_out)
    return frame.values, dict(frame.unavailable), normalised


@st.cache_data(show_spinner=False, max_entries=64)
def potential_of(territory_id: str, data_dir: str, choices: crit.Choices, imports_key: str = "",
                 _data: TerritoryData | None = None) -> potential.Potential:
    """Potential categories and their movement for these choices (weight-independent)."""
    data, conf = _territory(territory_id, data_dir, _data), settings()
    return potential.potential(data.results, data.elections, choices, conf.blocs, conf.potential)


@st.cache_data(show_spinner=False, max_entries=16)
def reserve_pair(territory_id: str, data_dir: str, imports_key: str = "",
                 _data: TerritoryData | None = None) -> tuple[str | None, str | None]:
    """Default high/low-turnout elections of a territory (depends on the data only)."""
    return crit.default_reserve_pair(_territory(territory_id, data_dir, _data))


@st.cache_data(show_spinner=False, max_entries=64)
def candidates(territory_id: str, data_dir: str, election: str, imports_key: str = "",
               _data: TerritoryData | None = None) -> pd.DataFrame:
    """Candidates of an election with their territory-wide share (depends on the data only)."""
    return crit.candidates(_territory(territory_id, data_dir, _data).results, election)


IMPORTS_KEY = "imports"  # session key: territory id → the elections this session imported


def session_imports(territory_id: str) -> list[ImportedElection]:
    """Elections this session imported for a territory (kept in memory; the list itself, to edit)."""
    return st.session_state.setdefault(IMPORTS_KEY, {}).setdefault(territory_id, [])


def imports_key(territory_id: str) -> str:
    """Cache key of the session's imports for a territory: ids *and* content.

    Why content: re-importing a corrected file under the same name keeps the same id; a key made
    of ids alone would serve the criteria of the previous file.
    """
    extra = session_imports(territory_id)
    if not extra:
        return ""
    digest = hashlib.blake2b(digest_size=8)
    for election in extra:
        digest.update(election.id.encode())
        digest.update(pd.util.hash_pandas_object(election.results, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def with_imports(data: TerritoryData) -> TerritoryData:
    """The territory plus this session's imported elections (a new object; the shared one is untouched)."""
    extra = session_imports(data.id)
    if not extra:
        return data
    meta = {**data.metadata, "elections": [*data.metadata["elections"], *(e.descriptor() for e in extra)]}
    results = pd.concat([data.results, *(e.results for e in extra)], ignore_index=True)
    return replace(data, metadata=meta, results=results)


def available_territories() -> list[str]:
    """Configured territories that are built, then any other built dataset (e.g. new ones)."""
    conf = settings()
    built = list_territories(conf.data_dir)
    ordered = [t for t in conf.territories if t in built]
    return ordered + [t for t in built if t not in ordered]


def landing_territory() -> str | None:
    """The territory a visit without a (known) territory shows: the default one, else the first built."""
    built = available_territories()
    default = settings().default_territory
    return default if default in built else (built[0] if built else None)


def territory_name(territory_id: str) -> str:
    """Display name of a territory id."""
    conf = settings()
    if territory_id in conf.territories:
        return conf.territories[territory_id].name
    try:
        return territory_data(territory_id, str(conf.data_dir)).name
    except TerrainError:
        return territory_id
