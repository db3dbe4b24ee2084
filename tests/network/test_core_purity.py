"""The core never imports qgis, and its docstring examples run."""

import ast
import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

NETWORK = Path(__file__).resolve().parents[2] / "network"
# every module of the core, in its packages: "model/records.py" and so on
MODULES = sorted(p.relative_to(NETWORK).as_posix() for p in NETWORK.rglob("*.py") if p.name != "__init__.py")


def module_name(path: str) -> str:
    return "pipenet.network." + path.removesuffix(".py").replace("/", ".")


@pytest.mark.parametrize("module", MODULES)
def test_no_qgis_import(module):
    tree = ast.parse((NETWORK / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        assert not any(name.split(".")[0] in ("qgis", "PyQt5", "PyQt6") for name in names), module


@pytest.mark.parametrize("module", MODULES)
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module_name(module)))
    assert result.failed == 0


def test_core_runs_where_qgis_cannot_be_imported():
    code = (
        "import sys, importlib.util\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('qgis', 'PyQt5', 'PyQt6'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"spec = importlib.util.spec_from_file_location('pipenet', r'{NETWORK.parent / '__init__.py'}',"
        f" submodule_search_locations=[r'{NETWORK.parent}'])\n"
        "module = importlib.util.module_from_spec(spec); sys.modules['pipenet'] = module\n"
        "spec.loader.exec_module(module)\n"
        "from pipenet.network import build_network, LayerData, PipeRecord\n"
        "net = build_network(LayerData('p', ['id'], [PipeRecord(0, [[(0, 0), (5, 0)]], {'id': 'a'})]))\n"
        "print(net.graph.number_of_edges())\n"
    )
    result = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
