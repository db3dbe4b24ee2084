"""pipenet:samplesensors and pipenet:sensormonitor through processing.run on the generator's output."""

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def sample_folder(pipenet_plugin, tmp_path_factory):
    from qgis import processing

    folder = tmp_path_factory.mktemp("monitoring")
    return processing.run("pipenet:samplesensors", {"KM": 20, "SEED": 1, "DAYS": 21,
                                                    "OUTPUT_FOLDER": str(folder)})


def test_sensor_monitor_finds_the_generators_events(pipenet_plugin, sample_folder, tmp_path):
    import csv

    from qgis import processing

    network = sample_folder["NETWORK"]
    result = processing.run("pipenet:sensormonitor", {
        "PIPES": f"{network}|layername=pipes", "NODES": f"{network}|layername=nodes",
        "SENSORS": f"{network}|layername=sensors", "READINGS": sample_folder["READINGS"],
        "OUTPUT_ALARMS": "TEMPORARY_OUTPUT", "OUTPUT_QC": "TEMPORARY_OUTPUT", "OUTPUT_FOLDER": str(tmp_path)})
    alarms = list(result["OUTPUT_ALARMS"].getFeatures())
    with open(sample_folder["TRUTH"], encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    found = {(f["sensor_id"], f["rule"]) for f in alarms}
    assert {(t["sensor_id"], t["rule"]) for t in truth} <= found
    blockage = next(f for f in alarms if f["rule"] == "blockage")
    blocked = next(t["pipe_id"] for t in truth if t["rule"] == "blockage")
    assert blocked in blockage["candidate_pipes"].split(";") and not blockage.geometry().isNull()
    assert result["ALARM_COUNT"] == len(alarms) and result["QC_COUNT"] == result["OUTPUT_QC"].featureCount() >= 6
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["alarms"] == len(alarms) and (tmp_path / "summary.html").exists()
    assert len(list(tmp_path.glob("alarm_*.png"))) == len(alarms)
    # every alarm names its plot, written under the folder's final name
    assert all(Path(f["plot"]).parent == tmp_path and Path(f["plot"]).is_file() for f in alarms)
    inflow = [f for f in alarms if f["rule"] == "inflow_infiltration"]
    expected = next(float(t["value"]) for t in truth if t["rule"] == "inflow_infiltration")
    assert [f["sensor_id"] for f in inflow] == ["WQ01"] and abs(inflow[0]["value"] - expected) <= 0.15 * expected
    assert summary["inflow_infiltration"][0]["sensor_id"] == "WQ01"


def test_rain_gauges_given_apart_as_rain_sensors(pipenet_plugin, sample_folder, tmp_path):
    """RAIN_SENSORS: a layer of rain gauges (no kind field needed) beside the network's sensors gives the
    same alarms as one sensors layer holding them all."""
    from qgis import processing
    from qgis.core import QgsFeature, QgsVectorLayer

    network = sample_folder["NETWORK"]
    sensors = QgsVectorLayer(f"{network}|layername=sensors", "sensors", "ogr")
    gauges = QgsVectorLayer(f"Point?crs={sensors.crs().authid()}&field=sensor_id:string", "rain", "memory")
    for feature in sensors.getFeatures():
        if feature["kind"] == "rain":
            gauge = QgsFeature(gauges.fields())
            gauge.setGeometry(feature.geometry())
            gauge["sensor_id"] = feature["sensor_id"]
            gauges.dataProvider().addFeature(gauge)
    assert gauges.featureCount() > 0
    network_only = QgsVectorLayer(f"{network}|layername=sensors", "network sensors", "ogr")
    network_only.setSubsetString("kind <> 'rain'")
    found = {}
    for name, extra in (("together", {"SENSORS": f"{network}|layername=sensors"}),
                        ("apart", {"SENSORS": network_only, "RAIN_SENSORS": gauges})):
        result = processing.run("pipenet:sensormonitor", {
            "PIPES": f"{network}|layername=pipes", "NODES": f"{network}|layername=nodes", **extra,
            "READINGS": sample_folder["READINGS"], "OUTPUT_ALARMS": "TEMPORARY_OUTPUT", "OUTPUT_QC": "TEMPORARY_OUTPUT",
            "OUTPUT_FOLDER": str(tmp_path / name)})
        alarms = result["OUTPUT_ALARMS"].getFeatures()
        found[name] = sorted((f["sensor_id"], f["rule"], str(f["start"])) for f in alarms)
    assert found["apart"] == found["together"] and found["apart"]


def test_alarms_loaded_from_the_toolbox_are_styled_by_rule_and_severity(pipenet_plugin, sample_folder):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProject, QgsRenderContext

    network = sample_folder["NETWORK"]
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.runAndLoadResults("pipenet:sensormonitor", {
        "PIPES": f"{network}|layername=pipes", "NODES": f"{network}|layername=nodes",
        "SENSORS": f"{network}|layername=sensors", "READINGS": sample_folder["READINGS"],
        "OUTPUT_ALARMS": "TEMPORARY_OUTPUT", "OUTPUT_QC": "TEMPORARY_OUTPUT"}, context=context)
    try:
        layer = QgsProject.instance().mapLayer(result["OUTPUT_ALARMS"])
        renderer = layer.renderer()
        assert renderer.type() == "RuleRenderer"
        parents = {rule.filterExpression(): rule for rule in renderer.rootRule().children()}
        assert set(parents) == {"severity = 'error'", "severity = 'warning'", "severity = 'info'"}
        rules = {child.filterExpression(): child for child in parents["severity = 'error'"].children()}
        assert "\"rule\" = 'blockage'" in rules and "(1)" in rules["\"rule\" = 'blockage'"].label()
        colours = {child.symbol().color().name() for parent in parents.values() for child in parent.children()}
        shapes = {parent.children()[0].symbol().symbolLayer(0).shape() for parent in parents.values()}
        assert len(colours) == sum(len(parent.children()) for parent in parents.values()) and len(shapes) == 3
        render = QgsRenderContext()
        renderer.startRender(render, layer.fields())
        try:  # every alarm is drawn by some rule
            assert all(renderer.willRenderFeature(feature, render) for feature in layer.getFeatures())
        finally:
            renderer.stopRender(render)
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_the_audit_takes_sensors_and_readings(pipenet_plugin, sample_folder, tmp_path):
    """pipenet:networkaudit with SENSORS and READINGS: the monitor runs on the audited network, its alarms are
    the GeoPackage's alarms layer (styled in the project) and the active ones raise the blocked pipe's
    likelihood of failure and risk, its reasons naming the alarm."""
    import csv

    from qgis import processing
    from qgis.core import QgsProject, QgsVectorLayer

    network = sample_folder["NETWORK"]
    base = {"PIPES": f"{network}|layername=pipes", "NODES": f"{network}|layername=nodes"}
    processing.run("pipenet:networkaudit", dict(base, OUTPUT_FOLDER=str(tmp_path / "plain")))
    processing.run("pipenet:networkaudit", dict(base, SENSORS=f"{network}|layername=sensors",
                                                READINGS=sample_folder["READINGS"],
                                                OUTPUT_FOLDER=str(tmp_path / "monitored")))
    gpkg = tmp_path / "monitored" / "pipenet_audit.gpkg"
    alarms = QgsVectorLayer(f"{gpkg}|layername=alarms", "alarms", "ogr")
    assert alarms.isValid() and not QgsVectorLayer(f"{tmp_path / 'plain' / 'pipenet_audit.gpkg'}|layername=alarms",
                                                   "none", "ogr").isValid()
    rules = {f["rule"] for f in alarms.getFeatures()}
    assert {"blockage", "inflow_infiltration", "dry_weather_flow", "gap"} <= rules
    with open(sample_folder["TRUTH"], encoding="utf-8") as handle:
        blocked = next(row["pipe_id"] for row in csv.DictReader(handle) if row["rule"] == "blockage")
    blockage = next(f for f in alarms.getFeatures() if f["rule"] == "blockage")
    assert blocked in blockage["candidate_pipes"].split(";") and not blockage.geometry().isNull()

    def pipe(folder):
        layer = QgsVectorLayer(f"{tmp_path / folder / 'pipenet_audit.gpkg'}|layername=pipes", "pipes", "ogr")
        return next(f for f in layer.getFeatures() if str(f["pn_id"]).split("#")[0] == blocked)
    plain, monitored = pipe("plain"), pipe("monitored")
    assert monitored["pn_lof"] > plain["pn_lof"] and monitored["pn_risk"] > plain["pn_risk"]
    assert "alarm blockage" in monitored["pn_reasons"] and "alarm" not in (plain["pn_reasons"] or "")
    summary = json.loads((tmp_path / "monitored" / "summary.json").read_text(encoding="utf-8"))
    assert summary["alarms"]["blockage"] == 1 and summary["active_alarms"] >= 2
    project = QgsProject()
    assert project.read(str(tmp_path / "monitored" / "pipenet_audit.qgz"))
    styled = [layer for layer in project.mapLayers().values() if layer.name() == "Monitoring alarms"]
    assert styled and styled[0].renderer().type() == "RuleRenderer"


def test_a_scheduled_run_from_the_command_line_writes_the_last_days_alarms(qgis_process, sample_folder, tmp_path):
    """The README's cron line: qgis_process over weeks of readings with ACTIVE_HOURS=24 writes only the alarms
    still on in the last day (the blockage, the illicit dry-weather flow, I/I), not last week's storm."""
    from qgis.core import QgsVectorLayer

    network = sample_folder["NETWORK"]
    result = qgis_process("run", "pipenet:sensormonitor", "--json", "--", f"PIPES={network}|layername=pipes",
                          f"NODES={network}|layername=nodes", f"SENSORS={network}|layername=sensors",
                          f"READINGS={sample_folder['READINGS']}", "START=2024-06-03", "ACTIVE_HOURS=24",
                          f"OUTPUT_ALARMS={tmp_path / 'alarms.gpkg'}", f"OUTPUT_FOLDER={tmp_path / 'alarms'}")
    payload = json.loads(result.stdout[result.stdout.index("{"):])["results"]
    alarms = QgsVectorLayer(f"{tmp_path / 'alarms.gpkg'}", "alarms", "ogr")
    rules = {f["rule"] for f in alarms.getFeatures()}
    assert payload["ALARM_COUNT"] == alarms.featureCount() > 0
    assert {"blockage", "dry_weather_flow", "inflow_infiltration"} <= rules
    assert not rules & {"surcharge", "high_level", "spike", "gap"}  # over before the last day
    assert min(f["end"] for f in alarms.getFeatures()) >= "2024-06-22 23:55"
    assert len(list((tmp_path / "alarms").glob("alarm_*.png"))) == alarms.featureCount()


def test_sub_catchments_give_the_inflow_area(pipenet_plugin, sample_folder):
    """CATCHMENTS (polygons and the node each drains to, as pipenet:stormcapacity's) set the flow meter's area:
    one hectare at the meter instead of its upstream pipe length x 30 m, so R grows by their ratio."""
    from qgis import processing
    from qgis.core import QgsFeature, QgsGeometry, QgsRectangle, QgsVectorLayer

    network = sample_folder["NETWORK"]
    sensors = QgsVectorLayer(f"{network}|layername=sensors", "sensors", "ogr")
    meter = next(f for f in sensors.getFeatures() if f["sensor_id"] == "WQ01")
    point = meter.geometry().asPoint()
    catchments = QgsVectorLayer("Polygon?crs=EPSG:4549&field=outlet:string", "catchments", "memory")
    feature = QgsFeature(catchments.fields())
    feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(point.x() - 50, point.y() - 50, point.x() + 50,
                                                          point.y() + 50)))
    feature.setAttributes([meter["node_id"]])
    catchments.dataProvider().addFeatures([feature])
    common = {"PIPES": f"{network}|layername=pipes", "NODES": f"{network}|layername=nodes",
              "SENSORS": f"{network}|layername=sensors", "READINGS": sample_folder["READINGS"],
              "OUTPUT_ALARMS": "TEMPORARY_OUTPUT", "OUTPUT_QC": "TEMPORARY_OUTPUT"}

    def inflow(parameters):
        alarms = processing.run("pipenet:sensormonitor", parameters)["OUTPUT_ALARMS"]
        return next(f for f in alarms.getFeatures() if f["rule"] == "inflow_infiltration")
    proxy = inflow(common)
    given = inflow(dict(common, CATCHMENTS=catchments, CATCHMENT_NODE_FIELD="outlet"))
    assert "no sub-catchments given" in proxy["message_en"] and "the sub-catchments upstream" in given["message_en"]
    area = float(proxy["message_en"].split(" ha (")[0].rsplit(" ", 1)[1])  # the proxy's area, as the message says
    assert given["value"] == pytest.approx(proxy["value"] * area / 1.0, rel=0.01)
