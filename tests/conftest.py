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
def sample_county(tmp_path):
    """Write a generated county sample GeoPackage: sample_county(km, seed) -> its path."""
    from pipenet.network.sample import generate, write_gpkg

    def write(km: float, seed: int) -> Path:
        path = tmp_path / f"county_{km:g}km_{seed}.gpkg"
        write_gpkg(generate(km, seed=seed), str(path))
        return path
    return write


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


PIPE_FIELDS = [("管线编号", "str"), ("类别", "str"), ("管径", "int"), ("起点管底高程", "float"),
               ("终点管底高程", "float"), ("户数", "int")]
NODE_FIELDS = [("点号", "str"), ("附属物", "str"), ("类别", "str"), ("地面高程", "float")]


@pytest.fixture
def small_network(write_layer):
    """A hand-made storm + sanitary network with known answers (EPSG:4549, metres).

    Storm: Y1→Y2→Y3→OUT (outfall), Y4→Y2. Sanitary: W1→W2→Y4 (sewage into the storm system),
    W3→PLANT. Storm inlet CB1→W3 (storm into the sewer). G2 is narrower than G1; G3 is flat.
    """
    x0, y0 = 500000.0, 3400000.0
    nodes = [("Y1", 0, 0, "检查井", "YS"), ("Y2", 50, 0, "检查井", "YS"), ("Y3", 100, 0, "检查井", "YS"),
             ("OUT", 150, 0, "出水口", "YS"), ("Y4", 50, 50, "检查井", "YS"), ("W1", 0, 100, "检查井", "WS"),
             ("W2", 50, 100, "检查井", "WS"), ("W3", 100, 100, "检查井", "WS"),
             ("PLANT", 200, 100, "污水处理厂", "WS"), ("CB1", 100, 150, "雨水篦", "YS")]
    xy = {name: (x0 + x, y0 + y) for name, x, y, _, _ in nodes}
    pipes = [("G1", "Y1", "Y2", "YS", 600, 10.0, 9.5, 10), ("G2", "Y2", "Y3", "YS", 400, 9.4, 9.0, 0),
             ("G3", "Y3", "OUT", "YS", 800, 9.0, 9.0, 0), ("G4", "Y4", "Y2", "YS", 300, 10.0, 9.6, 5),
             ("S1", "W1", "W2", "WS", 300, 11.0, 10.6, 20), ("S2", "W2", "Y4", "WS", 300, 10.5, 10.1, 0),
             ("S3", "W3", "PLANT", "WS", 400, 10.0, 9.0, 30), ("G5", "CB1", "W3", "YS", 300, 10.5, 10.2, 0)]
    nodes_path = write_layer("nodes", "Point", NODE_FIELDS, [
        {"点号": n, "附属物": t, "类别": s, "地面高程": 12.0, "wkt": f"POINT ({xy[n][0]} {xy[n][1]})"}
        for n, _, _, t, s in nodes], epsg=4549)
    pipes_path = write_layer("pipes", "LineString", PIPE_FIELDS, [
        {"管线编号": p, "类别": s, "管径": d, "起点管底高程": up, "终点管底高程": down, "户数": households,
         "wkt": f"LINESTRING ({xy[a][0]} {xy[a][1]}, {xy[b][0]} {xy[b][1]})"}
        for p, a, b, s, d, up, down, households in pipes], epsg=4549)
    return pipes_path, nodes_path


@pytest.fixture
def water_network(write_layer):
    """A water main with valves V1-V3 and meters C1, C2 (EPSG:4549)."""
    x0, y0 = 500000.0, 3400000.0
    nodes = {"R": (0, 0, "水池"), "V1": (20, 0, "阀门"), "J1": (60, 0, "三通"), "J2": (120, 0, "三通"),
             "V2": (160, 0, "阀门"), "J3": (200, 0, "三通"), "C1": (60, 30, "水表"), "V3": (120, 40, "阀门"),
             "J4": (120, 80, "三通"), "C2": (150, 80, "水表")}
    mains = [("M0", "R", "V1"), ("M1", "V1", "J1"), ("M2", "J1", "J2"), ("M3", "J2", "V2"), ("M4", "V2", "J3"),
             ("S1", "J1", "C1"), ("M5", "J2", "V3"), ("M6", "V3", "J4"), ("S2", "J4", "C2")]
    nodes_path = write_layer("valves", "Point", [("点号", "str"), ("附属物", "str")], [
        {"点号": n, "附属物": t, "wkt": f"POINT ({x0 + x} {y0 + y})"} for n, (x, y, t) in nodes.items()],
        epsg=4549)
    pipes_path = write_layer("mains", "LineString", [("管线编号", "str"), ("类别", "str")], [
        {"管线编号": p, "类别": "JS", "wkt": f"LINESTRING ({x0 + nodes[a][0]} {y0 + nodes[a][1]}, "
                                          f"{x0 + nodes[b][0]} {y0 + nodes[b][1]})"} for p, a, b in mains],
        epsg=4549)
    return pipes_path, nodes_path


@pytest.fixture(scope="session")
def postgis_server():
    """A private PostgreSQL + PostGIS server (Debian's packages) on a Unix socket, for this test session.

    Returns the connection words for QGIS/GDAL: host (socket folder), port, dbname, user.
    """
    import glob
    import shutil
    import tempfile

    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    assert binaries, "PostgreSQL is missing: make setup installs postgresql and postgresql-postgis"
    bin_dir = binaries[-1]
    root = tempfile.mkdtemp(prefix="pnpg", dir="/tmp")  # short: Unix socket paths are limited
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = os.path.join(root, "data")
    port = str(55000 + os.getpid() % 1000)

    def call(*command):
        result = subprocess.run(as_postgres + list(command), capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, " ".join(command) + "\n" + result.stdout + result.stderr
        return result.stdout

    call(f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
    call(f"{bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-w", "-o",
         f"-k {root} -p {port} -c listen_addresses=''", "start")
    try:
        psql = [f"{bin_dir}/psql", "-h", root, "-p", port, "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        call(*psql, "-d", "postgres", "-c", "CREATE DATABASE pipenet")
        call(*psql, "-d", "pipenet", "-c", "CREATE EXTENSION postgis; CREATE SCHEMA results;")
        yield {"host": root, "port": port, "dbname": "pipenet", "user": "postgres"}
    finally:
        subprocess.run(as_postgres + [f"{bin_dir}/pg_ctl", "-D", data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
