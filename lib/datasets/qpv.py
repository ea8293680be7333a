"""Quartiers prioritaires de la politique de la ville (QPV, ANCT, décret 2023-1314) per bureau.

Reads the ANCT GeoJSON as published (``QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson``:
``code_qp``, ``lib_qp``, ``insee_com`` — several communes comma-separated) or a row crop of it,
keeps the QPV of the territory's communes, and gives each bureau the share of its addresses
inside a QPV (BAN) — or, where a territory has no addresses, the share of its area — and the
names of the QPV it touches. The outlines travel in the indicator's metadata for the map layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from lib import geo
from lib.datasets.archives import read_vector
from lib.datasets.raw import Indicator, Source, require_columns

QPV_COLUMNS = ["code_qp", "lib_qp", "insee_com"]
PUBLISHED_FILE = "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson"
SHIPPED_FILE = "qpv_anct_2024/qpv-2024_75_9213.geojson"
LABEL = "Part en quartier prioritaire (QPV)"
SOURCE = Source(
    "qpv_2024", "Quartiers prioritaires de la politique de la ville 2024 (décret 2023-1314)",
    "ANCT (SIG Ville), via data.gouv.fr ; extrait Paris et 92-13 du fichier republié par "
    "incubateur-ademe/mutafriches", "Licence Ouverte 2.0",
    "https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/",
    [SHIPPED_FILE])
DISPLAY_TOLERANCE_M = 3.0  # outlines sent to the map: a screen never shows finer
NAMED_OVERLAP = 0.01  # a QPV is named for a bureau when it covers at least 1 % of its area (not a street-edge sliver)


def read_qpv(path: Path, communes: Iterable[str]) -> gpd.GeoDataFrame:
    """The QPV touching ``communes`` (INSEE codes; Paris is 75056): code, name, communes, geometry."""
    table = read_vector(path)
    require_columns(table, QPV_COLUMNS, source=str(path))
    wanted = set(communes)
    listed = table["insee_com"].astype(str).str.split(r"[,\s]+", regex=True)
    keep = listed.map(lambda codes: bool(wanted.intersection(c for c in codes if c)))
    out = table.loc[keep, [*QPV_COLUMNS, "geometry"]].rename(
        columns={"code_qp": "code", "lib_qp": "name", "insee_com": "communes"})
    return geo.make_valid(out.to_crs(geo.WGS84).reset_index(drop=True))


def _address_share(qpv: gpd.GeoDataFrame, addresses: pd.DataFrame, bureaux: gpd.GeoDataFrame) -> pd.Series:
    """% of each bureau's addresses inside a QPV (bureaux without an address: no value)."""
    lon, lat = addresses["lon"].to_numpy(), addresses["lat"].to_numpy()
    owner = geo.assign_points(lon, lat, bureaux, "bureau_id")
    inside = geo.assign_points(lon, lat, qpv, "code").notna()
    frame = pd.DataFrame({"bureau_id": owner, "inside": inside.to_numpy()}).dropna(subset=["bureau_id"])
    return 100 * frame.groupby("bureau_id")["inside"].mean()


def _area_share(qpv: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame) -> pd.Series:
    """% of each bureau's area inside a QPV (Lambert-93 areas)."""
    metric = bureaux.set_index("bureau_id").geometry.to_crs(geo.LAMBERT93)
    zone = shapely.union_all(qpv.geometry.to_crs(geo.LAMBERT93).to_numpy())
    return 100 * metric.intersection(zone).area / metric.area


def _names(qpv: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame) -> dict[str, str]:
    """« Goutte D'Or (QN07511M) » for each bureau overlapping a QPV (several joined by « ; »)."""
    hits = gpd.sjoin(bureaux[["bureau_id", "geometry"]], qpv, how="inner", predicate="intersects")
    metric = bureaux.set_index("bureau_id").geometry.to_crs(geo.LAMBERT93)
    zones = qpv.set_index("code").geometry.to_crs(geo.LAMBERT93)
    hits["overlap"] = [metric[b].intersection(zones[c]).area / metric[b].area
                       for b, c in zip(hits["bureau_id"], hits["code"], strict=True)]
    hits = hits[hits["overlap"] >= NAMED_OVERLAP].sort_values(["bureau_id", "overlap"], ascending=[True, False])
    text = hits["name"].astype(str) + " (" + hits["code"].astype(str) + ")"
    return text.groupby(hits["bureau_id"]).agg("; ".join).to_dict()


def outlines_geojson(qpv: gpd.GeoDataFrame) -> dict[str, Any]:
    """The QPV outlines simplified for a screen, as a GeoJSON mapping (for the map layer)."""
    slim = qpv.assign(geometry=qpv.geometry.to_crs(geo.LAMBERT93).simplify(DISPLAY_TOLERANCE_M)
                      .to_crs(geo.WGS84).set_precision(1e-6))
    return slim[["code", "name", "geometry"]].__geo_interface__


def qpv_indicator(qpv: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None) -> Indicator:
    """``qpv_share`` per bureau (addresses, else area), the QPV names and outlines in its details."""
    by_address = addresses is not None and len(addresses) > 0
    share = _address_share(qpv, addresses, bureaux) if by_address else _area_share(qpv, bureaux)
    share = share.reindex(bureaux["bureau_id"]).fillna(0.0) if by_address else share
    base = "des adresses BAN du bureau" if by_address else "de la surface du bureau (pas d'adresses BAN)"
    return Indicator("qpv_share", LABEL, "% des adresses" if by_address else "% de la surface",
                     "ANCT, quartiers prioritaires 2024", 2024,
                     f"part {base} situées dans un quartier prioritaire (liste 2024, décret 2023-1314)",
                     values=share.round(2),
                     details={"qpv_names": _names(qpv, bureaux), "qpv_outlines": outlines_geojson(qpv),
                              "qpv_count": len(qpv)})


def national_qpv(ctx: Any, bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None) -> Indicator:
    """The QPV criterion of a build from national files: read when the ANCT file is in the folder
    (``lib.datasets.national.Context``), else declared unavailable with the file to add."""
    if "qpv" not in ctx.files:
        return qpv_unavailable(f"fichier ANCT des quartiers prioritaires absent ({ctx.sources.get('qpv', {}).get('file', PUBLISHED_FILE)}) : "
                               "ajoutez-le au dossier des fichiers nationaux")
    ctx.found.used.append("qpv")
    zones = ctx.read("qpv")
    if not len(zones):
        return qpv_unavailable("aucun quartier prioritaire dans les communes de ce territoire (liste 2024)")
    return qpv_indicator(zones, geo.make_valid(bureaux), addresses)


def qpv_unavailable(reason: str) -> Indicator:
    """The criterion declared missing, with the reason the app shows."""
    return Indicator("qpv_share", LABEL, "", "", None, "", reason=reason)
