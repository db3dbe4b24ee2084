"""The packaged zip installs into a fresh profile and loads in qgis_process and the QGIS desktop."""

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
DESKTOP_SCRIPT = Path(__file__).resolve().parent / "desktop_check.py"


def install_zip(zip_path: Path, config: Path) -> Path:
    plugins = config / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    return plugins / "pipenet"


def test_zip_layout(packaged_zip):
    with zipfile.ZipFile(packaged_zip) as archive:
        names = archive.namelist()
    assert all(name.startswith("pipenet/") for name in names)
    for required in ("pipenet/metadata.txt", "pipenet/__init__.py", "pipenet/plugin.py", "pipenet/LICENSE",
                     "pipenet/processing/provider.py", "pipenet/network/build/builder.py",
                     "pipenet/network/data/aliases.json", "pipenet/icons/pipenet.svg"):
        assert required in names
    forbidden = ("tests/", "__pycache__", ".venv", ".git/", ".ci/", "Makefile", "conftest.py", ".pyc")
    assert not [n for n in names if any(f in n for f in forbidden)]


def test_zip_installs_and_runs_in_qgis_process(packaged_zip, qgis_process_with, tmp_path):
    config = tmp_path / "profile"
    install_zip(packaged_zip, config)
    qgis_process_with(config, "plugins", "enable", "pipenet")
    assert "pipenet:buildnetwork" in qgis_process_with(config, "list").stdout


HIDE = Path(__file__).resolve().parent / "hide_packages"


def test_zip_carries_its_pure_python_dependencies(packaged_zip):
    with zipfile.ZipFile(packaged_zip) as archive:
        names = set(archive.namelist())
    for package in ("networkx", "openpyxl", "et_xmlfile"):
        assert f"pipenet/ext/{package}/__init__.py" in names and f"pipenet/ext/{package}.LICENSE" in names


def installed_without(packages, packaged_zip, qgis_process_with, tmp_path, monkeypatch) -> Path:
    """The zip installed and enabled in a fresh profile, run with ``packages`` hidden from the system's Python."""
    config = tmp_path / "profile"
    install_zip(packaged_zip, config)
    qgis_process_with(config, "plugins", "enable", "pipenet")
    monkeypatch.setenv("PYTHONPATH", str(HIDE))
    monkeypatch.setenv("PIPENET_HIDE", packages)
    return config


def test_zip_runs_on_a_qgis_without_networkx(packaged_zip, qgis_process_with, tmp_path, monkeypatch):
    """networkx and openpyxl hidden from the system's Python: the copies in the zip are used."""
    config = installed_without("networkx,openpyxl", packaged_zip, qgis_process_with, tmp_path, monkeypatch)
    listing = qgis_process_with(config, "list")
    assert "pipenet:buildnetwork" in listing.stdout and "Traceback" not in listing.stderr
    sample = tmp_path / "sample.gpkg"
    qgis_process_with(config, "run", "pipenet:samplenetwork", "--", "KM=2", "SEED=1", f"OUTPUT={sample}")
    built = qgis_process_with(config, "run", "pipenet:buildnetwork", "--", f"PIPES={sample}|layername=pipes",
                              f"OUTPUT_PIPES={tmp_path / 'built.gpkg'}")
    assert "PIPE_COUNT" in built.stdout


def test_zip_on_a_qgis_without_scipy_loads_and_names_the_install_command(packaged_zip, qgis_process_with,
                                                                      tmp_path, monkeypatch):
    """A compiled package missing: no traceback, the plugin loads, one message with the command."""
    config = installed_without("scipy", packaged_zip, qgis_process_with, tmp_path, monkeypatch)
    listing = qgis_process_with(config, "list")
    said = listing.stdout + listing.stderr
    assert "Traceback" not in said and "error starting plugin" not in said, said
    assert "pipenet:buildnetwork" not in listing.stdout
    assert "scipy" in said and "-m pip install --user" in said and "安装命令" in said


def test_desktop_loads_packaged_plugin_without_errors(packaged_zip, qgis_process_with, tmp_path):
    config = tmp_path / "profile"
    install_zip(packaged_zip, config)
    qgis_process_with(config, "plugins", "enable", "pipenet")
    report = tmp_path / "report.json"
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), PIPENET_REPORT=str(report),
               PIPENET_SCREENSHOT=str(tmp_path / "desktop.png"),
               PIPENET_KEEP_SCREENSHOT=os.environ.get("PIPENET_KEEP_SCREENSHOT", ""))
    env.pop("QT_QPA_PLATFORM", None)
    env.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-pipenet")
    result = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "qgis", "--nologo",
                             "--code", str(DESKTOP_SCRIPT)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert report.exists(), result.stdout + result.stderr
    data = json.loads(report.read_text())
    assert data["plugin_active"], data
    assert data["provider"] == "PipeNet"
    assert "pipenet:buildnetwork" in data["algorithms"]
    assert data["python_errors"] == [], data["python_errors"]
    assert data["toolbar_before_unload"] and not data["toolbar_after_unload"]
    assert data["provider_after_unload"] is None
    assert "Traceback" not in result.stderr
    assert (tmp_path / "desktop.png").stat().st_size > 10000
