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


def test_sensor_readings_from_a_postgresql_table(pipenet_plugin, postgis_server, tmp_path):
    """Readings in a PostgreSQL table in long format (sensor_id text, time timestamp, value double precision),
    read through QGIS's postgres provider as READINGS_TABLE: the same alarms as from the wide CSV export."""
    import csv
    import glob

    import pandas as pd
    from qgis import processing

    sample = processing.run("pipenet:samplesensors", {"KM": 20, "SEED": 1, "DAYS": 21,
                                                      "OUTPUT_FOLDER": str(tmp_path / "sample")})
    long = pd.read_csv(sample["READINGS"]).melt(id_vars=["time"], var_name="sensor_id", value_name="value")
    long = long.dropna(subset=["value"])
    path = tmp_path / "long.csv"
    long[["sensor_id", "time", "value"]].to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    words = postgis_server
    psql = [sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1], "-h", words["host"], "-p", words["port"],
            "-U", words["user"], "-d", words["dbname"], "-v", "ON_ERROR_STOP=1"]
    created = subprocess.run(psql + ["-c", "CREATE TABLE readings (id serial PRIMARY KEY, sensor_id text, "
                                           "time timestamp without time zone, value double precision)",
                                     "-c", f"\\copy readings (sensor_id, time, value) FROM '{path}' CSV HEADER"],
                             capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    table = QgsVectorLayer(f"dbname='{words['dbname']}' host={words['host']} port={words['port']} "
                           f"user='{words['user']}' key='id' table=\"public\".\"readings\"", "readings", "postgres")
    assert table.isValid() and table.featureCount() == len(long)
    network = sample["NETWORK"]
    common = {"PIPES": f"{network}|layername=pipes", "NODES": f"{network}|layername=nodes",
              "SENSORS": f"{network}|layername=sensors", "OUTPUT_ALARMS": "TEMPORARY_OUTPUT",
              "OUTPUT_QC": "TEMPORARY_OUTPUT"}
    QgsProject.instance().addMapLayer(table)
    try:
        from_table = processing.run("pipenet:sensormonitor", dict(common, READINGS_TABLE=table.id()))
    finally:
        QgsProject.instance().removeAllMapLayers()
    from_csv = processing.run("pipenet:sensormonitor", dict(common, READINGS=sample["READINGS"]))

    def alarms(result):
        return sorted((f["sensor_id"], f["rule"], f["start"], f["end"], round(f["value"], 3))
                      for f in result["OUTPUT_ALARMS"].getFeatures())
    assert alarms(from_table) == alarms(from_csv) and len(alarms(from_csv)) >= 20
    assert {"blockage", "inflow_infiltration"} <= {rule for _, rule, *_ in alarms(from_table)}
