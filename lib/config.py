"""Domain settings from the root ``config.toml``, read once into frozen dataclasses.

Why a typed object: pages and ``lib`` modules read criteria, presets and palettes by attribute,
and a typo in the TOML fails at load with a clear message instead of deep inside a page.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from lib.errors import TerrainError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = PROJECT_ROOT / "config.toml"
BYTES_PER_MB = 1_000_000  # « Mo » in messages and limits: decimal, as browsers and file managers count

Direction = Literal["favours", "penalises"]
DIRECTIONS: tuple[Direction, ...] = ("favours", "penalises")


@dataclass(frozen=True)
class Criterion:
    """A slider: an indicator column or a criterion derived from results."""

    id: str
    label: str
    kind: Literal["indicator", "derived"]
    direction: Direction
    help: str
    short: str = ""  # tooltip label (the tooltip is resent for every bureau at every move)


@dataclass(frozen=True)
class Preset:
    """Named weights (0–100) for one-click settings; criteria not listed weigh 0."""

    id: str
    label: str
    help: str
    weights: Mapping[str, float]
    directions: Mapping[str, Direction] = field(default_factory=dict)


@dataclass(frozen=True)
class Bloc:
    """A political bloc: MinInt nuance codes and, for sources without nuances, candidate names."""

    id: str
    label: str
    nuances: tuple[str, ...]
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class Territory:
    """A territory the app can show; its dataset is ``data_dir / id``."""

    id: str
    name: str


@dataclass(frozen=True)
class Capacity:
    """Defaults of the capacity planner (editable in the UI; the team size is shown)."""

    volunteers: int
    outings_per_volunteer: int
    hours_per_outing: float
    team_size: int  # volunteers per team; turfs are cut to fit one outing of a team
    doors_per_hour_collective: float
    doors_per_hour_individual: float
    registered_per_door: float


@dataclass(frozen=True)
class PotentialThresholds:
    """Gaps to our territory-wide share (points) where the potential categories start."""

    bastion: float = 6.0
    favorable: float = 0.0
    dispute: float = -5.0


@dataclass(frozen=True)
class Settings:
    """Everything in ``config.toml``."""

    campaign_name: str
    default_territory: str
    data_dir: Path
    max_upload_mb: int
    map_point_threshold: int
    territories: Mapping[str, Territory]
    criteria: Mapping[str, Criterion]
    presets: Mapping[str, Preset]
    blocs: Mapping[str, Bloc]
    default_scheme: str
    default_k: int
    min_k: int
    max_k: int
    no_data_colour: str
    palettes: Mapping[int, tuple[str, ...]]
    capacity: Capacity
    potential: PotentialThresholds = field(default_factory=PotentialThresholds)

    def palette(self, k: int) -> tuple[str, ...]:
        """The sequential palette for ``k`` classes (clipped to the configured range)."""
        return self.palettes[min(max(k, self.min_k), self.max_k)]


def _fail(problem: str) -> TerrainError:
    return TerrainError(f"{problem}. Corrigez config.toml.", source="config.toml")


def _validate(criteria: Mapping[str, Criterion], presets: Mapping[str, Preset], classes: Mapping,
              palettes: Mapping[int, tuple[str, ...]]) -> None:
    """Cross-checks the TOML types cannot express (known criteria, weight range, palette sizes)."""
    for c in criteria.values():
        if c.kind not in ("indicator", "derived"):
            raise _fail(f"critère {c.id} : kind doit valoir indicator ou derived")
        if c.direction not in DIRECTIONS:
            raise _fail(f"critère {c.id} : direction doit valoir favours ou penalises")
    for p in presets.values():
        for cid, w in p.weights.items():
            if cid not in criteria:
                raise _fail(f"préréglage {p.id} : critère inconnu {cid}")
            if not 0 <= float(w) <= 100:
                raise _fail(f"préréglage {p.id} : le poids de {cid} doit être entre 0 et 100")
    for k in range(int(classes["min_k"]), int(classes["max_k"]) + 1):
        if len(palettes.get(k, ())) != k:
            raise _fail(f"la palette pour {k} classes doit avoir {k} couleurs")


def parse_settings(raw: Mapping, *, root: Path = PROJECT_ROOT) -> Settings:
    """Validate the TOML tree and build :class:`Settings` (raises :class:`TerrainError`)."""
    try:
        app = raw["app"]
        criteria = {
            cid: Criterion(cid, c["label"], c["kind"], c["direction"], c["help"], c.get("short", c["label"]))
            for cid, c in raw["criteria"].items()
        }
        presets = {
            pid: Preset(pid, p["label"], p["help"], MappingProxyType(dict(p.get("weights", {}))),
                        MappingProxyType(dict(p.get("directions", {}))))
            for pid, p in raw["presets"].items()
        }
        blocs = {
            bid: Bloc(bid, b["label"], tuple(b.get("nuances", ())), tuple(b.get("candidates", ())))
            for bid, b in raw["blocs"].items()
        }
        territories = {
            tid: Territory(tid, t["name"])
            for tid, t in raw["territories"].items()
        }
        classes = raw["classes"]
        palettes = {int(k): tuple(v) for k, v in classes["palettes"].items()}
        capacity = Capacity(**raw["capacity"])
        potential = PotentialThresholds(**{k: float(v) for k, v in raw.get("potential", {}).items()})
    except KeyError as err:
        raise _fail(f"la clé {err} manque") from err
    except (TypeError, ValueError) as err:
        raise _fail(f"valeur inattendue ({err})") from err

    _validate(criteria, presets, classes, palettes)
    if not isinstance(capacity.team_size, int) or capacity.team_size < 1:
        raise _fail("[capacity] team_size doit être un nombre entier de bénévoles, au moins 1 (un binôme : 2)")
    if not potential.bastion > potential.favorable > potential.dispute:
        raise _fail("[potential] les seuils doivent décroître : bastion > favorable > dispute")
    if app["default_territory"] not in territories:
        raise _fail(f"territoire par défaut inconnu : {app['default_territory']}")

    data_dir = Path(os.environ.get("TERRAIN_DATA_DIR", app.get("data_dir", "data")))
    if not data_dir.is_absolute():
        data_dir = root / data_dir
    return Settings(
        campaign_name=app.get("campaign_name", "Terrain"),
        default_territory=app["default_territory"],
        data_dir=data_dir,
        max_upload_mb=int(app.get("max_upload_mb", 20)),
        map_point_threshold=int(app.get("map_point_threshold", 8000)),
        territories=MappingProxyType(territories),
        criteria=MappingProxyType(criteria),
        presets=MappingProxyType(presets),
        blocs=MappingProxyType(blocs),
        default_scheme=classes["default_scheme"],
        default_k=int(classes["default_k"]),
        min_k=int(classes["min_k"]),
        max_k=int(classes["max_k"]),
        no_data_colour=classes["no_data_colour"],
        palettes=MappingProxyType(palettes),
        capacity=capacity,
        potential=potential,
    )


@lru_cache(maxsize=4)
def load_settings(path: str = str(CONFIG_PATH)) -> Settings:
    """Read and validate ``config.toml`` (cached: the file does not change while the app runs)."""
    return parse_settings(_read_toml(path), root=Path(path).resolve().parent)


def _read_toml(path: Path | str) -> dict:
    """The TOML tree of ``path``, or a French error naming the file."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as err:
        raise TerrainError("fichier introuvable.", source=str(path)) from err
    except tomllib.TOMLDecodeError as err:
        raise TerrainError(f"syntaxe TOML invalide ({err}).", source=str(path)) from err


SOURCE_KEYS = ("title", "publisher", "licence", "page", "url", "file", "layout")


def parse_sources(raw: Mapping) -> Mapping[str, Mapping[str, str]]:
    """The ``[sources]`` table checked: every source names its page, URL, published file and layout.

    Why a read-only mapping: the build, the download and the « Nouveau territoire » page read the
    same records; a missing key fails here with the source named, not halfway through a build.
    """
    out = {}
    for sid, src in raw.get("sources", {}).items():
        missing = [k for k in SOURCE_KEYS if not str(src.get(k, "")).strip()]
        if missing:
            raise _fail(f"source {sid} : clé(s) {', '.join(missing)} manquante(s)")
        out[sid] = MappingProxyType(dict(src))
    return MappingProxyType(out)


def load_sources(path: Path | str = CONFIG_PATH) -> Mapping[str, Mapping[str, str]]:
    """The official national files of ``config.toml`` → ``[sources]`` (id → record)."""
    return parse_sources(_read_toml(path))
