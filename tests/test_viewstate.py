"""Shareable view: query parameters round-trip, and a hand-edited link never crashes."""

from __future__ import annotations

from dataclasses import replace

from lib.config import load_settings
from lib.viewstate import default_view, from_query, to_query

SETTINGS = load_settings()


def test_round_trip_reproduces_the_exact_view():
    view = replace(default_view(SETTINGS), election="pres2017t1", ours=("MACRON Emmanuel", "HAMON Benoît"),
                   blocs=("centre",), preset="custom", weights={"our_share": 40, "abstention": 60},
                   directions={"abstention": "penalises"}, normalisation="robust_minmax",
                   missing="exclude", scheme="fisher_jenks", k=7, selected="75056_0327",
                   high="pres2017t1", low="leg2017t1")
    back = from_query(to_query(view, SETTINGS), SETTINGS)
    assert back.election == view.election and back.ours == view.ours and back.blocs == view.blocs
    assert {c: w for c, w in back.weights.items() if w} == {"our_share": 40, "abstention": 60}
    assert back.direction(SETTINGS, "abstention") == "penalises"
    assert (back.normalisation, back.missing, back.scheme, back.k) == ("robust_minmax", "exclude", "fisher_jenks", 7)
    assert (back.selected, back.high, back.low, back.preset) == ("75056_0327", "pres2017t1", "leg2017t1", "custom")


def test_garbage_parameters_fall_back_to_defaults():
    view = from_query({"k": "99", "n": "magic", "w": "abstention:abc,unknown:5,our_share:250",
                       "d": "abstention:?", "cl": "<script>", "p": "nope"}, SETTINGS)
    default = default_view(SETTINGS)
    assert view.k == default.k and view.normalisation == "rank" and view.scheme == default.scheme
    assert view.weights["our_share"] == 100  # clipped to the slider range
    assert "unknown" not in view.weights


def test_a_preset_sets_weights_and_zeroes_the_others():
    view = default_view(SETTINGS).with_preset(SETTINGS, "persuasion")
    assert view.weights["lmp_potential"] == 80 and view.weights["abstention"] == 0


def test_walk_list_settings_round_trip_through_the_link():
    from lib.viewstate import WalkView

    conf = load_settings()
    walk = WalkView(mode="manual", ids=("75056_0101", "75056_0102"), holdout=True, seed=7, volunteers=12,
                    hours=2.5, start="Gare du Nord")
    view = replace(default_view(conf), walk=walk)
    assert from_query(to_query(view, conf), conf).walk == walk


def test_unset_walk_list_settings_keep_the_link_short():
    conf = load_settings()
    assert not [k for k in to_query(default_view(conf), conf) if k.startswith("l")]


def test_a_malformed_walk_list_setting_falls_back_to_the_page_default():
    conf = load_settings()
    walk = from_query({"lm": "everything", "ln": "dix", "lb": "-4", "li": "a|b"}, conf).walk
    assert (walk.mode, walk.n, walk.volunteers, walk.ids) == (None, None, None, ("a", "b"))
