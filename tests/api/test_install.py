"""`pip install .` gives the QGIS-free core as `pipenet.network`, and nothing of the plugin."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import importlib.util, sys
import pipenet.network as core
from pipenet.network import LayerData, PipeRecord, build_network
pipes = LayerData("pipes", ["id"], [PipeRecord(1, [[(0, 0), (10, 0)]], {"id": "P1"}),
                                    PipeRecord(2, [[(10, 0), (20, 0)]], {"id": "P2"})])
net = build_network(pipes)
assert net.summary()["pipes"] == 2, net.summary()
assert importlib.util.find_spec("pipenet.processing") is None  # the plugin's adapters are not installed
assert importlib.util.find_spec("pipenet.plugin") is None
spec = importlib.util.find_spec("processing")  # QGIS's own package, or nothing: never ours
assert spec is None or "site-packages/pipenet" not in (spec.origin or ""), spec
print(core.__file__)
"""


def test_version_matches_the_plugin_metadata():
    metadata = re.search(r"^version=(.+)$", (ROOT / "metadata.txt").read_text(), re.M).group(1).strip()
    project = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert project == metadata


@pytest.mark.skipif(shutil.which("git") is None, reason="copies the checkout with git")
def test_pip_install_gives_the_core_only(tmp_path):
    # a copy of the tracked files, so the build never writes into the checkout
    source = tmp_path / "source"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    venv = tmp_path / "venv"
    # Debian's numpy, scipy, networkx, geopandas serve as the dependencies (no download needed)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              str(source)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    run = subprocess.run([str(python), "-c", CHECK], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert str(venv) in run.stdout


def test_every_core_package_is_installed():
    """pyproject.toml lists every package of network/ (a package left out breaks `import pipenet.network`)."""
    listed = set(re.findall(r'"(pipenet\.network[\w.]*)"', (ROOT / "pyproject.toml").read_text()))
    found = {"pipenet." + ".".join(path.parent.relative_to(ROOT).parts)
             for path in (ROOT / "network").rglob("__init__.py")}
    assert found <= listed, found - listed
