"""Which territory a national build makes: a commune, a circonscription, a département (or France),
and what that means for the contours' attribute filter and the per-département files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lib.contract import COMMUNE_CODE_PATTERN
from lib.datasets.addresses import PLM, plm_codes
from lib.datasets.contours import sql_filter
from lib.errors import BuildError


@dataclass(frozen=True)
class Selector:
    """Which territory: ``commune`` 92002, ``circonscription`` 92-13 or ``departement`` 92."""

    kind: str
    code: str

    def __post_init__(self) -> None:
        patterns = {"commune": rf"({COMMUNE_CODE_PATTERN.pattern})", "circonscription": r"(\d{2,3}|2[AB])-\d{1,2}",
                    "departement": r"(\d{2,3}|2[AB])", "france": r"fr"}
        if self.kind not in patterns:
            raise BuildError(f"type de territoire inconnu « {self.kind} ».")
        if not re.fullmatch(patterns[self.kind], self.code):
            examples = {"commune": "92002", "circonscription": "92-13", "departement": "92"}
            raise BuildError(f"code « {self.code} » invalide pour --{self.kind} (exemple : {examples[self.kind]}).")

    @property
    def territory_id(self) -> str:
        """Dataset folder name, e.g. ``commune-92002``."""
        return f"{self.kind}-{self.code}".lower()

    @property
    def departement(self) -> str:
        """Département code of the territory (for per-département files such as the BAN)."""
        if self.kind == "commune":
            return self.code[:3] if self.code.startswith("97") else self.code[:2]
        if self.kind == "france":
            return ""
        return self.code.split("-")[0]

    def contour_values(self) -> dict[str, frozenset[str]]:
        """Contour column → accepted values (Etalab names; a city's contours are mapped to them)."""
        if self.kind == "france":
            return {}
        if self.kind == "commune":
            return {"codeCommune": frozenset(plm_codes({self.code}) if self.code in PLM else {self.code})}
        if self.kind == "departement":
            return {"codeDepartement": frozenset({self.code})}
        dep, num = self.code.split("-")
        return {"codeDepartement": frozenset({dep}), "codeCirconscription": frozenset({f"{dep}{int(num):02d}"})}

    def contour_filter(self) -> str | None:
        """OGR SQL attribute filter on the Etalab contours (applied while reading)."""
        return sql_filter(self.contour_values())
