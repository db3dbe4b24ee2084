"""The real QGIS desktop under Xvfb with the packaged plugin: the upstream tool on a known manhole."""

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


def run_desktop(packaged_zip, qgis_process_with, tmp_path, locale):
    config = tmp_path / "profile"
    plugins = config / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(packaged_zip) as archive:
        archive.extractall(plugins)
    qgis_process_with(config, "plugins", "enable", "pipenet")
    ini = config / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    text = ini.read_text(encoding="utf-8") if ini.exists() else ""
    ini.write_text(text + f"\n[locale]\noverrideFlag=true\nuserLocale={locale}\n", encoding="utf-8")
    sample = tmp_path / "county.gpkg"
    write_gpkg(generate(km=20, seed=1), str(sample))
    report, screenshot = tmp_path / "report.json", tmp_path / f"trace_{locale}.png"
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), PIPENET_SAMPLE=str(sample),
               PIPENET_START="YS000-0707", PIPENET_REPORT=str(report), PIPENET_SCREENSHOT=str(screenshot))
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", "qgis", "--nologo", "--code",
                             str(HERE / "desktop_trace.py")], env=env, capture_output=True, text=True, timeout=120)
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    keep = os.environ.get("PIPENET_KEEP_SCREENSHOTS")
    if keep:
        shutil.copy(screenshot, Path(keep) / screenshot.name)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert "error" not in data, data.get("traceback")
    return data, screenshot, result


def test_upstream_tool_in_the_desktop(packaged_zip, qgis_process_with, tmp_path):
    report, screenshot, result = run_desktop(packaged_zip, qgis_process_with, tmp_path, "en_US")
    assert report["starts"] == ["YS000-0707"] and len(report["pipes"]) > 5
    assert report["summary"].startswith("Upstream of YS000-0707")
    assert report["python_errors"] == [] and "Traceback" not in result.stderr
    assert screenshot.stat().st_size > 50000


def test_desktop_in_chinese(packaged_zip, qgis_process_with, tmp_path):
    report, screenshot, _ = run_desktop(packaged_zip, qgis_process_with, tmp_path, "zh_CN")
    assert report["build_button"] == "构建/刷新"
    assert "的上游" in report["summary"]
    assert screenshot.stat().st_size > 50000
