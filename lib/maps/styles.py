"""How every map layer looks, defined once.

The whole :data:`STYLE` travels to the browser with a territory's geometry
(:func:`lib.maps.geometry.encode_geometry`) and the element's JavaScript reads every colour,
width and size from it. Colours are RGBA lists (deck.gl's form).
"""

from __future__ import annotations

BORDERS_MAX_BUREAUX = 300  # stroke each bureau by default only on small territories (software WebGL cost)

# Okabe-Ito: eight colours told apart with every common colour-vision deficiency.
TURF_COLOURS = [[0, 114, 178, 255], [230, 159, 0, 255], [0, 158, 115, 255], [204, 121, 167, 255],
                [86, 180, 233, 255], [213, 94, 0, 255], [240, 228, 66, 255], [0, 0, 0, 255]]

# Door statuses on the map: never red/green alone (colour-blind users): the tooltip names them.
DOOR_STATUS_COLOURS = {"": [150, 150, 150, 190], "absent": [235, 150, 30, 235], "ouvert": [26, 140, 60, 235],
                       "refus": [200, 40, 40, 235], "a_revoir": [40, 90, 200, 235]}

# The home map: soft tones, one per commune or arrondissement (adjacent ones differ).
AREA_TONES = [[199, 214, 230, 200], [222, 222, 210, 200], [206, 226, 210, 200], [232, 214, 214, 200]]

# Coverage: planned-but-not-done (yellow) to entirely done (dark green); grey when not planned.
COVERAGE_EMPTY = [250, 205, 90, 230]
COVERAGE_FULL = [26, 120, 60, 230]
NOT_PLANNED = [225, 225, 225, 90]
CONTEXT_BUREAU = [236, 236, 232, 160]  # bureaux around a turf map's chosen ones

# Potential categories (lib/potential.py), strongest first: ColorBrewer RdBu 4 classes (marked
# colour-blind safe by ColorBrewer); the tooltip names the category, moved bureaux are outlined.
POTENTIAL_COLOURS = {"bastion": [5, 113, 176, 230], "favorable": [146, 197, 222, 230],
                     "disputé": [244, 165, 130, 230], "difficile": [202, 0, 32, 230]}
NO_CATEGORY = [200, 200, 200, 160]

# Quartiers prioritaires (QPV) drawn over a priority map: a violet no class colour uses (YlOrRd, RdBu).
QPV_OUTLINE = [106, 61, 154, 255]

STYLE: dict = {
    "background": [243, 241, 236],
    "bureau_border": {"colour": [255, 255, 255, 255], "width_px": 0.5},
    "hover": [0, 90, 200, 120],
    "selection": {"colour": [0, 90, 200, 255], "width_px": 3.5},
    "focus": {"colour": [30, 30, 30, 255], "width_px": 2.2},  # the chosen bureaux of a turf map
    "outlines": {"colour": [40, 40, 40, 255], "width_px": 1.6},
    "stations": {"colour": [20, 60, 140, 200], "radius_m": 18, "min_px": 1.2, "max_px": 3.5},
    "names": {"colour": [20, 20, 20, 255], "size_px": 13, "weight": 700, "halo": [255, 255, 255, 255],
              "halo_px": 3, "font": '"Source Sans", "Source Sans Pro", sans-serif'},
    "numbers": {"colour": [255, 255, 255, 255], "size_px": 19, "weight": 700, "halo": [20, 20, 20, 255],
                "halo_px": 5},  # the projector's top 10: read from the back of a room
    "points": {"radius_px": 4.5, "line": [255, 255, 255, 255], "line_px": 1},
    "routes": {"width_px": 2.5},
    # OpenStreetMap streets under a turf map, by kind (foot, street, major): width in metres, names
    "streets": {"colour": [[170, 170, 170, 200], [255, 255, 255, 255], [252, 240, 200, 255]],
                "casing": [150, 150, 150, 255], "width_m": [1.5, 7, 11], "min_px": 0.6,
                "label": {"colour": [70, 70, 70, 255], "size_m": 9, "max_px": 14, "halo": [255, 255, 255, 230],
                          "halo_px": 2}},  # names scale with the map: a texture far out, legible up close
    "tooltip": {"fontSize": "14px", "maxWidth": "340px"},
}
