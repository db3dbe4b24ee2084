"""pipenet:samplesensors and pipenet:sensormonitor through processing.run on the generator's output."""

import json

import pytest


@pytest.fixture(scope="module")
def sample_folder(tmp_path_factory):
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
    assert blocked in blockage["candidates"].split(";") and not blockage.geometry().isNull()
    assert result["ALARM_COUNT"] == len(alarms) and result["QC_COUNT"] == result["OUTPUT_QC"].featureCount() >= 6
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["alarms"] == len(alarms) and (tmp_path / "summary.html").exists()
    assert len(list(tmp_path.glob("alarm_*.png"))) == len(alarms)
