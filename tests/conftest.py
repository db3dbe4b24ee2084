"""Shared fixtures: the PipeNet provider in a real QGIS, and small GeoPackage writers."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
QGIS_PROCESS = ROOT / "scripts" / "qgis_process"


@pytest.fixture(scope="session")
def pipenet_plugin(qgis_app):
    """The plugin loaded the way QGIS loads it (classFactory + initProcessing), Processing ready."""
    from processing.core.Processing import Processing

    Processing.initialize()
    import pipenet

    plugin = pipenet.classFactory(None)
    plugin.initProcessing()
    yield plugin
    plugin.unload()


@pytest.fixture
def write_layer(tmp_path):
    """Write a small layer with OGR: write_layer(name, 'LineString'|'Point', fields, rows, crs)."""
    from osgeo import ogr, osr

    def write(name, geometry_type, fields, rows, epsg=32650, path=None, driver="GPKG", encoding=None):
        target = Path(path) if path else tmp_path / f"{name}.gpkg"
        ogr_driver = ogr.GetDriverByName(driver)
        source = ogr.Open(str(target), 1) if target.exists() and driver == "GPKG" else \
            ogr_driver.CreateDataSource(str(target))
        srs = None
        if epsg:
            srs = osr.SpatialReference()
            srs.ImportFromEPSG(epsg)
        options = [f"ENCODING={encoding}"] if encoding else []
        kind = {"LineString": ogr.wkbLineString, "Point": ogr.wkbPoint,
                "MultiLineString": ogr.wkbMultiLineString, "Polygon": ogr.wkbPolygon}[geometry_type]
        layer = source.CreateLayer(name, srs, kind, options=options)
        for field_name, field_type in fields:
            ogr_type = {"str": ogr.OFTString, "int": ogr.OFTInteger, "float": ogr.OFTReal}[field_type]
            definition = ogr.FieldDefn(field_name, ogr_type)
            layer.CreateField(definition)
        for row in rows:
            feature = ogr.Feature(layer.GetLayerDefn())
            geometry = row.get("wkt")
            if geometry:
                feature.SetGeometry(ogr.CreateGeometryFromWkt(geometry))
            for field_name, _ in fields:
                if row.get(field_name) is not None:
                    feature.SetField(field_name, row[field_name])
            layer.CreateFeature(feature)
        source = None
        return str(target) if driver != "GPKG" else f"{target}|layername={name}"

    return write


@pytest.fixture(scope="session")
def qgis_profile(tmp_path_factory):
    """A fresh QGIS config folder with PipeNet linked in and enabled for qgis_process."""
    root = tmp_path_factory.mktemp("qgis-config")
    plugins = root / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "pipenet").symlink_to(ROOT)
    run_qgis_process(root, "plugins", "enable", "pipenet")
    return root


def run_qgis_process(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run scripts/qgis_process with its own QGIS config folder."""
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen")
    env.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-pipenet")
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    result = subprocess.run([str(QGIS_PROCESS), *args], env=env, capture_output=True, text=True,
                            timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"qgis_process {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def qgis_process(qgis_profile):
    """Call qgis_process against the test profile: qgis_process('run', 'pipenet:...', ...)."""
    return lambda *args, check=True: run_qgis_process(qgis_profile, *args, check=check)


@pytest.fixture
def qgis_process_with():
    """Call qgis_process with a given QGIS config folder: qgis_process_with(config, 'list')."""
    return run_qgis_process


@pytest.fixture(scope="session")
def packaged_zip(tmp_path_factory):
    """The plugin zip built by scripts/package.sh (what `make package` runs)."""
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(["bash", str(ROOT / "scripts" / "package.sh"), "test"], cwd=ROOT,
                            env=dict(os.environ, DIST=str(dist)), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def have(program: str) -> bool:
    """Whether a program is on PATH."""
    return shutil.which(program) is not None
