"""The real QGIS desktop under Xvfb with the packaged plugin: *Network audit…* from the toolbar brings its
styled layers back into the project."""

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from pipenet.network.sample import generate, write_gpkg

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def test_audit_from_the_toolbar_adds_its_layers(packaged_zip, qgis_process_with, tmp_path):
    config = tmp_path / "profile"
    plugins = config / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(packaged_zip) as archive:
        archive.extractall(plugins)
    qgis_process_with(config, "plugins", "enable", "pipenet")
    sample = tmp_path / "county.gpkg"
    write_gpkg(generate(km=20, seed=1), str(sample))
    out, report, screenshot = tmp_path / "audit", tmp_path / "report.json", tmp_path / "audit_desktop.png"
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), PIPENET_SAMPLE=str(sample), PIPENET_OUT=str(out),
               PIPENET_REPORT=str(report), PIPENET_SCREENSHOT=str(screenshot))
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", "qgis", "--nologo", "--code",
                             str(HERE / "desktop_audit.py")], env=env, capture_output=True, text=True, timeout=300)
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    keep = os.environ.get("PIPENET_KEEP_SCREENSHOTS")
    if keep:
        shutil.copy(screenshot, Path(keep) / screenshot.name)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert "error" not in data, data.get("traceback")
    assert data["task_started"] and data["ok"], data
    assert not data["panel_open_at_start"]
    assert data["remembered"] == str(out)
    assert (out / "summary.html").exists() and (out / "pipenet_audit.gpkg").exists()
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert {"Pipes by system", "Findings", "Nodes"} <= set(layers), layers
    assert all(layer["valid"] and layer["in_project"] for layer in layers.values())
    assert layers["Findings"]["features"] > 0 and layers["Pipes by system"]["renderer"] == "categorizedSymbol"
    assert data["python_errors"] == [] and "Traceback" not in result.stderr
    # the project's defects and events went in: the audit drew the events and the breakage hotspots
    assert {"Overflow events", "Overflow event density"} <= set(layers), layers
    assert layers["Overflow events"]["features"] > 0
    assert data["panel_rows"] > 0  # the panel shows the audited network's findings
    noise = [line for line in data["log"] if "Cannot find layer" in line or "background thread" in line]
    assert noise == [], noise
