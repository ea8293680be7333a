"""The shareable view: everything a pasted link must reproduce, to and from query parameters.

Pure functions so the round trip is unit-tested; ``lib.ui`` only copies between this object,
``st.session_state`` and ``st.query_params``. Unknown or malformed parameters fall back to
defaults (a hand-edited link must never crash the app).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from lib.classify import SCHEMES
from lib.config import Settings
from lib.scoring import MISSING_POLICIES, NORMALISERS


@dataclass(frozen=True)
class WalkView:
    """The walk-list settings a link reproduces; an unset field (None, empty) is the page's default."""

    mode: str | None = None  # top_n | top_classes | manual
    n: int | None = None
    classes: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()
    holdout: bool = False
    seed: int | None = None
    volunteers: int | None = None
    outings: int | None = None
    hours: float | None = None
    rate_collective: float | None = None
    rate_individual: float | None = None
    per_door: float | None = None
    start: str = ""


# Query parameter of each walk-list setting (short: a link stays pasteable).
WALK_PARAMS = {"mode": "lm", "n": "ln", "classes": "lc", "ids": "li", "holdout": "lt", "seed": "lg",
               "volunteers": "lb", "outings": "lo", "hours": "lh", "rate_collective": "lpi",
               "rate_individual": "lpp", "per_door": "lip", "start": "ld"}
WALK_MODES = ("top_n", "top_classes", "manual")
MAX_WALK_SETTING = 1_000_000  # a number in a link above this (volunteers, seed…) is ignored


def walk_query(walk: WalkView) -> dict[str, str]:
    """The set walk-list settings as query parameters."""
    out = {}
    for name, param in WALK_PARAMS.items():
        value = getattr(walk, name)
        if value in (None, "", (), False):
            continue
        out[param] = ("|" if name == "ids" else ",").join(map(str, value)) if isinstance(value, tuple) else (
            "1" if value is True else str(value))
    return out


def _walk_value(name: str, text: str) -> object:
    """One walk-list setting read from a link, or None when malformed (never fatal)."""
    kinds = {"n": int, "seed": int, "volunteers": int, "outings": int, "hours": float, "rate_collective": float,
             "rate_individual": float, "per_door": float}
    try:
        if name in kinds:
            value = kinds[name](text)
            return value if 0 <= value <= MAX_WALK_SETTING else None
        if name == "classes":
            return tuple(int(c) for c in _split(text, ",") if c.isdigit())
        if name == "ids":
            return _split(text, "|")
        if name == "holdout":
            return text == "1"
        if name == "mode":
            return text if text in WALK_MODES else None
        return text[:200]
    except ValueError:
        return None


def walk_from_query(params: Mapping[str, str]) -> WalkView:
    """Walk-list settings from a link; anything malformed is left to the page's default."""
    found = {name: _walk_value(name, params[param]) for name, param in WALK_PARAMS.items() if param in params}
    return WalkView(**{k: v for k, v in found.items() if v not in (None, ())})


@dataclass(frozen=True)
class ViewState:
    """Territory, our side, weights and display options of the priority map."""

    territory: str
    election: str = ""  # "" = the territory's most recent election with results
    ours: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    preset: str = "mobilisation"
    weights: Mapping[str, int] = field(default_factory=dict)
    directions: Mapping[str, str] = field(default_factory=dict)  # overrides of the config default
    normalisation: str = "rank"
    missing: str = "renormalise"
    scheme: str = "quantiles"
    k: int = 5
    selected: str = ""
    high: str = ""
    low: str = ""
    atypical: bool = False  # include the « bureaux atypiques » the dataset flags (left out by default)
    campaign: int | None = None  # the open campaign, by id (never by its name: two may share one)
    walk: WalkView = field(default_factory=WalkView)  # « Listes de porte-à-porte »

    def with_preset(self, settings: Settings, preset_id: str) -> ViewState:
        """Weights and directions of a preset (``custom`` keeps the current sliders)."""
        preset = settings.presets[preset_id]
        if preset_id == "custom":
            return replace(self, preset=preset_id)
        weights = {cid: int(preset.weights.get(cid, 0)) for cid in settings.criteria}
        return replace(self, preset=preset_id, weights=weights, directions=dict(preset.directions))

    def direction(self, settings: Settings, criterion: str) -> str:
        """Effective direction of a criterion (override, else config default)."""
        return self.directions.get(criterion, settings.criteria[criterion].direction)


def default_view(settings: Settings, territory: str | None = None) -> ViewState:
    """The view of a first visit: default territory, the Mobilisation preset."""
    view = ViewState(territory=territory or settings.default_territory, k=settings.default_k,
                     scheme=settings.default_scheme)
    return view.with_preset(settings, "mobilisation") if "mobilisation" in settings.presets else view


def _split(text: str, sep: str) -> tuple[str, ...]:
    return tuple(p for p in (s.strip() for s in text.split(sep)) if p)


def to_query(view: ViewState, settings: Settings) -> dict[str, str]:
    """Compact query parameters (only what differs from defaults is worth a long link, but we
    always write the weights so a link stays exact if the config defaults change)."""
    q = {"t": view.territory, "p": view.preset,
         "w": ",".join(f"{c}:{w}" for c, w in view.weights.items() if w),
         "n": view.normalisation, "m": view.missing, "cl": view.scheme, "k": str(view.k)}
    if view.election:
        q["e"] = view.election
    if view.ours:
        q["ours"] = "|".join(view.ours)
    if view.blocs:
        q["camp"] = ",".join(view.blocs)
    flipped = {c: d for c, d in view.directions.items()
               if c in settings.criteria and d != settings.criteria[c].direction}
    if flipped:
        q["d"] = ",".join(f"{c}:{'+' if d == 'favours' else '-'}" for c, d in flipped.items())
    if view.selected:
        q["sel"] = view.selected
    if view.high:
        q["hi"] = view.high
    if view.low:
        q["lo"] = view.low
    if view.atypical:
        q["aty"] = "1"
    if view.campaign is not None:
        q["campagne"] = str(view.campaign)
    return {**q, **walk_query(view.walk)}


def from_query(params: Mapping[str, str], settings: Settings) -> ViewState:
    """Rebuild a view from query parameters; anything invalid is ignored, never fatal."""
    territory = params.get("t", "")
    if territory not in settings.territories and not territory.replace("-", "").isalnum():
        territory = ""
    view = default_view(settings, territory or None)
    preset = params.get("p", view.preset)
    if preset in settings.presets:
        view = view.with_preset(settings, preset)
    if "w" in params:
        weights = dict.fromkeys(settings.criteria, 0)
        for item in _split(params["w"], ","):
            cid, _, value = item.partition(":")
            if cid in settings.criteria:
                try:
                    weights[cid] = max(0, min(100, int(float(value))))
                except ValueError:
                    continue
        view = replace(view, weights=weights)
    directions = dict(view.directions)
    for item in _split(params.get("d", ""), ","):
        cid, _, sign = item.partition(":")
        if cid in settings.criteria and sign in ("+", "-"):
            directions[cid] = "favours" if sign == "+" else "penalises"
    k = params.get("k", str(view.k))
    return replace(
        view, directions=directions,
        election=params.get("e", ""),
        ours=_split(params.get("ours", ""), "|"),
        blocs=tuple(b for b in _split(params.get("camp", ""), ",") if b in settings.blocs),
        normalisation=params.get("n") if params.get("n") in NORMALISERS else view.normalisation,
        missing=params.get("m") if params.get("m") in MISSING_POLICIES else view.missing,
        scheme=params.get("cl") if params.get("cl") in SCHEMES else view.scheme,
        k=int(k) if k.isdigit() and settings.min_k <= int(k) <= settings.max_k else view.k,
        selected=params.get("sel", ""), high=params.get("hi", ""), low=params.get("lo", ""),
        atypical=params.get("aty") == "1", campaign=_campaign_id(params.get("campagne", "")),
        walk=walk_from_query(params),
    )


def _campaign_id(text: str) -> int | None:
    """A campaign id from a link (digits only; anything else opens no campaign)."""
    text = str(text).strip()
    return int(text) if text.isdigit() and len(text) < 10 else None
