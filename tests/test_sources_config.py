"""config.toml through lib.config: the sources table checked, dead keys gone, defaults agreeing."""

from __future__ import annotations

import tomllib

import pytest

from lib import config
from lib.errors import TerrainError


def raw_config() -> dict:
    with open(config.CONFIG_PATH, "rb") as fh:
        return tomllib.load(fh)


def test_a_source_without_layout_is_named():
    raw = raw_config()
    del raw["sources"]["leg2024t1"]["layout"]
    with pytest.raises(TerrainError, match="source leg2024t1 : clé\\(s\\) layout manquante"):
        config.parse_sources(raw)


def test_sources_are_read_only_records():
    sources = config.load_sources()
    with pytest.raises(TypeError):
        sources["contours"]["file"] = "autre.geojson"  # type: ignore[index]


def test_point_threshold_default_in_code_equals_the_config():
    raw = raw_config()
    configured = raw["app"].pop("map_point_threshold")
    assert config.parse_settings(raw).map_point_threshold == configured == 8000


def test_dead_keys_are_gone_from_config_and_code():
    raw = raw_config()
    assert all(set(t) == {"name"} for t in raw["territories"].values())
    assert "open_rate" not in raw["capacity"]
    assert not hasattr(config.load_settings().capacity, "open_rate")
    assert "walk" not in raw  # turfs are sized by the outing ([capacity]), not by a door target
    assert not hasattr(config.load_settings(), "target_doors")


def test_a_team_of_nobody_is_refused_in_french():
    raw = raw_config()
    raw["capacity"]["team_size"] = 0
    with pytest.raises(TerrainError, match="team_size"):
        config.parse_settings(raw)
