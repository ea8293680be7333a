"""Layers: only app.py, pages/ and the lib/ui package may import Streamlit; the product never imports
the test tooling; test modules stand alone (shared fixtures in conftest.py, helpers in helpers.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .helpers import PROJECT

ALLOWED = ("app.py", "pages/", "lib/ui/")
PRODUCT = ("app.py", "serve.py", "pages/*.py", "lib/**/*.py")
TEST_TOOLING = {"testing", "tests", "bench"}


def _top_level_imports(path: Path) -> set[str]:
    """First component of every absolute import of a file (``from lib.x import y`` → ``lib``)."""
    tops = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            tops |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            tops.add((node.module or "").split(".")[0])
    return tops


def _imports_streamlit(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in ("streamlit", "streamlit_folium")
                                                for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("streamlit", "streamlit_folium"):
            return True
    return False


def _is_test_module(name: str) -> bool:
    return name.startswith("test_") or name == "conftest"


def _test_modules_imported(path: Path) -> list[str]:
    """The test modules (``test_*``, ``conftest``) of the tests package that a file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names
                      if a.name.startswith("tests.") and _is_test_module(a.name.split(".")[-1])]
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == "tests"):
            module = node.module or ""
            if module in ("", "tests"):  # from . import test_x: the names are modules
                found += [a.name for a in node.names if _is_test_module(a.name)]
            elif _is_test_module(module.split(".")[-1]):
                found.append(module)
    return found


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


def test_the_product_never_imports_the_test_tooling():
    offenders = {}
    for pattern in PRODUCT:
        for path in sorted(PROJECT.glob(pattern)):
            if used := _top_level_imports(path) & TEST_TOOLING:
                offenders[path.relative_to(PROJECT).as_posix()] = sorted(used)
    assert offenders == {}


def test_no_test_module_imports_another_test_module():
    """Shared fixtures live in conftest.py (found by name), shared helpers in helpers.py."""
    offenders = {path.name: found for path in sorted((PROJECT / "tests").glob("*.py"))
                 if (found := _test_modules_imported(path))}
    assert offenders == {}


@pytest.mark.parametrize("line", ["from .test_browser import server", "from .conftest import PROJECT",
                                  "from . import test_store", "import tests.test_store",
                                  "from tests.conftest import plan", "from tests import test_pages"])
def test_the_check_sees_an_import_of_a_test_module(tmp_path, line):
    """The detector fires on every spelling (else the test above could never fail)."""
    sample = tmp_path / "test_x.py"
    sample.write_text(line + "\n", encoding="utf-8")
    assert _test_modules_imported(sample)


def test_the_check_lets_the_helpers_module_through(tmp_path):
    sample = tmp_path / "test_x.py"
    sample.write_text("from .helpers import open_page\nfrom tests.helpers import PROJECT\n", encoding="utf-8")
    assert _test_modules_imported(sample) == []


def test_the_tooling_check_sees_an_import_of_the_testing_package(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from testing import pgcluster\n", encoding="utf-8")
    assert _top_level_imports(sample) & TEST_TOOLING == {"testing"}
