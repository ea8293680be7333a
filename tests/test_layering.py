"""Pure core, thin UI: only app.py, pages/ and the lib/ui package may import Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import PROJECT

ALLOWED = ("app.py", "pages/", "lib/ui/")


def _imports_streamlit(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in ("streamlit", "streamlit_folium")
                                                for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("streamlit", "streamlit_folium"):
            return True
    return False


def test_only_the_ui_layer_imports_streamlit():
    offenders = []
    for path in sorted(PROJECT.glob("lib/**/*.py")):
        rel = path.relative_to(PROJECT).as_posix()
        if not rel.startswith(ALLOWED) and _imports_streamlit(path):
            offenders.append(rel)
    assert offenders == []


def test_the_check_sees_a_streamlit_import(tmp_path):
    """The detector itself must fire (else the test above could never fail)."""
    sample = tmp_path / "x.py"
    sample.write_text("from streamlit.runtime import x\n", encoding="utf-8")
    assert _imports_streamlit(sample)
