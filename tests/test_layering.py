"""The shape of the code: pure core and thin UI (only app.py, pages/ and the lib/ui package may
import Streamlit), modules named for their jobs, one home per shared constant; the product never
imports the test tooling; test modules stand alone (fixtures in conftest.py, helpers in helpers.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .helpers import PROJECT

ALLOWED = ("app.py", "pages/", "lib/ui/")
LIB = PROJECT / "lib"
# Python's standard .gitignore, Black and pytest skip these: a package there drops out of commits
BUILD_OUTPUT_NAMES = frozenset({"build", "dist", "out", "output", "_build", "target"})
VAGUE_NAMES = frozenset({"common", "utils", "util", "misc", "helpers", "stuff"})
MAX_MODULE_LINES = 600  # past this, a module holds several jobs behind section banners
ONE_HOME = {  # literal of a shared constant → the one module of lib/ that writes it
    r"2[AB]\d{3}": "lib/contract.py",  # INSEE commune code, in BUREAU_ID_PATTERN
    '"EPSG:2154"': "lib/geo.py",  # LAMBERT93
    '"EPSG:4326"': "lib/geo.py",  # WGS84
    '"ZZ"': "lib/minint.py",  # ABROAD_DEPARTEMENT, Français de l'étranger
}
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


def _modules(lib: Path) -> list[Path]:
    """Our Python modules under ``lib`` (vendored code is not ours)."""
    return [p for p in sorted(lib.rglob("*.py")) if "vendor" not in p.relative_to(lib).parts]


def _build_output_folders(lib: Path) -> list[str]:
    return sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*")
                  if p.is_dir() and p.name.lower() in BUILD_OUTPUT_NAMES)


def _vaguely_named(lib: Path) -> list[str]:
    return [p.relative_to(lib).as_posix() for p in _modules(lib) if p.stem.lower() in VAGUE_NAMES]


def _oversized(lib: Path) -> dict[str, int]:
    sizes = {p.relative_to(lib).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules(lib)}
    return {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}


def _written_outside_home(lib: Path) -> list[str]:
    """``literal in module`` for each shared constant's literal written outside its one home."""
    root = lib.parent
    return [f"{literal} in {p.relative_to(root).as_posix()}" for p in _modules(lib)
            for literal, home in ONE_HOME.items()
            if p.relative_to(root).as_posix() != home and literal in p.read_text(encoding="utf-8")]


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


def _ui_modules_imported(path: Path) -> list[str]:
    """The modules of lib/ui a file imports directly (``from lib.ui.x import …``, ``from lib.ui import x``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lib.ui."):
            found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.module == "lib.ui":
            found += [f"lib.ui.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("lib.ui.")]
    return found


def test_pages_reach_the_ui_helpers_through_the_facade_only():
    """``from lib import ui`` is the way in: the facade's docstring says so, the pages do so."""
    offenders = {p.name: _ui_modules_imported(p) for p in sorted((PROJECT / "pages").glob("*.py"))}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_facade_check_sees_a_direct_import(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("from lib.ui import workspace\nfrom lib.ui.shell import FAVICON\n")
    assert _ui_modules_imported(page) == ["lib.ui.workspace", "lib.ui.shell"]


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


def test_no_folder_of_lib_is_named_like_build_output():
    assert _build_output_folders(LIB) == []


def test_every_module_of_lib_is_named_for_its_job_and_holds_one():
    assert _vaguely_named(LIB) == []
    assert _oversized(LIB) == {}


def test_each_shared_constant_is_written_in_its_one_home():
    assert _written_outside_home(LIB) == []


def test_the_layout_checks_see_the_old_layout(tmp_path):
    """The detectors fire on the tree issue 21 started from (else the tests above could never fail):
    a ``lib/build`` package, a 684-line ``common.py``, the INSEE pattern and Lambert-93 written twice."""
    lib = tmp_path / "lib"
    (lib / "build").mkdir(parents=True)
    (lib / "build" / "common.py").write_text("x = 1\n" * 684, encoding="utf-8")
    (lib / "anomalies.py").write_text('LAMBERT93 = "EPSG:2154"\n', encoding="utf-8")
    (lib / "minint.py").write_text('ID = r"(\\d{5}|2[AB]\\d{3})_[0-9A-Z]{4}"\n', encoding="utf-8")
    assert _build_output_folders(lib) == ["build"]
    assert _vaguely_named(lib) == ["build/common.py"]
    assert _oversized(lib) == {"build/common.py": 684}
    assert _written_outside_home(lib) == ['"EPSG:2154" in lib/anomalies.py', r"2[AB]\d{3} in lib/minint.py"]
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
