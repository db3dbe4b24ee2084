"""PipeNet reads pipes and nodes from PostGIS and writes its outputs into a PostGIS schema."""

import json
import subprocess
from pathlib import Path

import pytest
from qgis.core import QgsProject, QgsVectorLayer


@pytest.fixture(scope="module")
def loaded(postgis_server, tmp_path_factory):
    """The small test network copied into PostGIS with ogr2ogr."""
    from osgeo import ogr

    from pipenet.network.sample import generate, write_gpkg

    source = tmp_path_factory.mktemp("pg") / "network.gpkg"

    write_gpkg(generate(km=20, seed=1), str(source))
    words = postgis_server
    connection = f"PG:host={words['host']} port={words['port']} dbname={words['dbname']} user={words['user']}"
    for table in ("pipes", "nodes"):
        result = subprocess.run(["ogr2ogr", "-f", "PostgreSQL", connection, str(source), table, "-lco",
                                 "GEOMETRY_NAME=geom", "-lco", "FID=fid", "-nln", table], capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr
    assert ogr.Open(connection) is not None
    return words


def uri(words, table, geometry_type, schema="public"):
    return (f"dbname='{words['dbname']}' host={words['host']} port={words['port']} user='{words['user']}' "
            f"key='fid' srid=4549 type={geometry_type} checkPrimaryKeyUnicity='0' "
            f"table=\"{schema}\".\"{table}\" (geom)")


def test_build_from_postgis_into_postgis(pipenet_plugin, loaded):
    from qgis import processing

    pipes = QgsVectorLayer(uri(loaded, "pipes", "LineString"), "pipes", "postgres")
    nodes = QgsVectorLayer(uri(loaded, "nodes", "Point"), "nodes", "postgres")
    assert pipes.isValid() and nodes.isValid()
    QgsProject.instance().addMapLayers([pipes, nodes])
    try:
        target = f"postgis:{uri(loaded, 'built_pipes', 'LineString', 'results')}"
        result = processing.run("pipenet:buildnetwork", {
            "PIPES": pipes.id(), "NODES": nodes.id(), "OUTPUT_PIPES": target,
            "OUTPUT_FINDINGS": f"postgis:{uri(loaded, 'findings', 'Point', 'results')}"})
        assert result["PIPE_COUNT"] > 300 and "near_miss=" in result["FINDINGS_BY_CHECK"]
        written = QgsVectorLayer(uri(loaded, "built_pipes", "LineString", "results"), "built", "postgres")
        assert written.isValid() and written.featureCount() == result["PIPE_COUNT"]
        assert {"pn_from", "pn_to", "管线编号"} <= set(written.fields().names())
        findings = QgsVectorLayer(uri(loaded, "findings", "Point", "results"), "f", "postgres")
        assert findings.featureCount() == result["FINDING_COUNT"]
        # a database destination names no file: no folder is made for it (host=/tmp looked like a path)
        assert not list(Path.cwd().glob("postgis:*"))
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_postgis_through_qgis_process(qgis_process, loaded):
    pipes = "postgres://" + uri(loaded, "pipes", "LineString")
    nodes = "postgres://" + uri(loaded, "nodes", "Point")
    result = qgis_process("run", "pipenet:connectivity", "--json", "--", f"PIPES={pipes}", f"NODES={nodes}",
                          f"OUTPUT_SUMMARY=postgis:dbname='{loaded['dbname']}' host={loaded['host']} "
                          f"port={loaded['port']} user='{loaded['user']}' table=\"results\".\"summary\"",
                          f"OUTPUT_FINDINGS=postgis:{uri(loaded, 'connectivity', 'Point', 'results')}")
    payload = json.loads(result.stdout[result.stdout.index("{"):])["results"]
    assert payload["COMPONENT_COUNT"] >= 1
    table = f"dbname='{loaded['dbname']}' host={loaded['host']} port={loaded['port']} user='{loaded['user']}' " \
            "table=\"results\".\"summary\""
    assert QgsVectorLayer(table, "summary", "postgres").featureCount() == payload["COMPONENT_COUNT"]
