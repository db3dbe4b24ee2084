"""Monitoring and alarms (network/monitoring): readings in, QC and hydraulic rules, on a generator with truth."""


import networkx as nx
import numpy as np
import pandas as pd
import pytest

from pipenet.network.monitoring import Thresholds, monitor, place_sensors, read_readings, sensors_from_rows
from pipenet.network.monitoring.qc import flatline_mask, runs, spike_mask
from pipenet.network.monitoring.readings import to_matrix
from pipenet.network.monitoring.sample import generate, match


def test_wide_and_long_readings_make_the_same_long_frame(tmp_path):
    wide = pd.DataFrame({"时间": ["2024-01-01 00:00", "2024-01-01 00:05"], "L1": [0.1, 0.2], "L2": [1.0, "err"]})
    path = tmp_path / "scada.csv"
    wide.to_csv(path, index=False)
    long = read_readings(str(path))
    assert list(long.columns) == ["sensor_id", "time", "value"] and len(long) == 4
    assert long["value"].isna().sum() == 1
    excel = tmp_path / "long.xlsx"
    pd.DataFrame({"sensor_id": ["L1", "L1", "L2"], "time": ["2024-01-01 00:00"] * 3, "value": [1, 2, 3],
                  "quality": ["good", "bad", "192"]}).to_excel(excel, index=False)
    assert read_readings(str(excel))["value"].tolist() == [1.0, 3.0]


def test_matrix_puts_readings_on_a_grid_from_midnight():
    long = read_readings(pd.DataFrame({"sensor_id": ["A", "A", "B"], "value": [1.0, 2.0, 3.0],
                                       "time": ["2024-01-01 06:00", "2024-01-01 06:05", "2024-01-01 06:10"]}))
    matrix = to_matrix(long)
    assert matrix.step_seconds == 300 and matrix.values.shape == (288, 2)
    assert matrix.values[72, 0] == 1.0 and matrix.values[74, 1] == 3.0 and np.isnan(matrix.values[74, 0])


def test_qc_masks():
    values = np.array([[0.1], [0.2], [1.5], [0.2], [0.3], [0.3], [0.3], [0.3], [0.4]])
    assert spike_mask(values, minimum=0.5)[:, 0].tolist() == [False, False, True] + [False] * 6
    assert np.nonzero(flatline_mask(values, steps=4)[:, 0])[0].tolist() == [4, 5, 6, 7]
    assert runs(np.array([[True], [False], [True]]), merge_steps=1) == [(0, 0, 2)]


def test_sensors_snap_to_the_nearest_node_within_the_distance():
    graph = nx.MultiDiGraph()
    graph.add_node("A", x=0.0, y=0.0, ground_elev=10.0, invert_elev=8.0, system="sanitary")
    graph.add_node("B", x=50.0, y=0.0, ground_elev=10.0, invert_elev=7.8, system="sanitary")
    graph.add_edge("A", "B", key="P1", diameter=400.0, up_invert=8.0, system="sanitary", length=50.0)
    sensors = sensors_from_rows([{"sensor_id": "S1", "kind": "液位", "x": 3.0, "y": 4.0},
                                 {"sensor_id": "S2", "kind": "level", "x": 30.0, "y": 30.0},
                                 {"sensor_id": "S3", "kind": "flow", "pipe_id": "P1"}])
    warnings = place_sensors(sensors, graph, snap_distance=10.0)
    assert [s.node_id for s in sensors] == ["A", None, "A"] and len(warnings) == 1
    assert sensors[0].crown == pytest.approx(8.4) and sensors[0].ground == 10.0 and sensors[0].crown_pipe == "P1"


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    from pipenet.network import build_network
    from pipenet.network.io.frames import read_layer
    from pipenet.network.sample import write_gpkg

    sample = generate(km=20, seed=1, days=21)
    path = str(tmp_path_factory.mktemp("monitoring") / "network.gpkg")
    write_gpkg(sample.network, path, chinese=False)
    network = build_network(read_layer(path, "pipes"), read_layer(path, "nodes"))
    sensors = sensors_from_rows(sample.sensors)
    assert place_sensors(sensors, network.graph) == []
    return sample, monitor(sample.readings, sensors, network.graph)


def test_every_injected_event_is_found_and_located(monitored):
    sample, result = monitored
    assert {t["rule"] for t in sample.truth} >= {"blockage", "dry_weather_anomaly", "dry_weather_flow", "gap",
                                                 "flatline", "spike", "out_of_range", "surcharge", "high_level"}
    missed, false = match(result.alarms, sample.truth)
    assert missed == []  # 100 % recall; a blockage names the blocked pipe among its candidates
    blockage = next(a for a in result.alarms if a.rule == "blockage")
    assert sample.blocked_pipe in blockage.candidate_pipes and len(blockage.candidate_pipes) <= 4
    print(f"\n{len(result.alarms)} alarms, {len(false)} false:", [(a.sensor_id, a.rule, str(a.start)) for a in false])
    assert len(false) <= 2
    assert all(a.message_zh and a.message_en for a in result.alarms)
    assert {q.rule for q in result.qc} == {"gap", "flatline", "spike", "out_of_range"}


def test_sensor_faults_are_left_out_of_the_hydraulic_rules(monitored):
    sample, result = monitored
    column = result.matrix.sensors.index("WL01")
    assert np.nanmin(result.clean[:, column]) > -1.0  # the -9999 error codes are gone
    faulty = {t["sensor_id"] for t in sample.truth if t["event"] == "sensor_fault"}
    assert not [a for a in result.alarms if a.sensor_id in faulty and a.rule == "dry_weather_anomaly"]


def test_wide_scada_export_gives_the_same_alarms(monitored):
    sample, result = monitored
    sensors = sensors_from_rows(sample.sensors)
    again = monitor(read_readings(sample.wide()), sensors, None, Thresholds())
    assert {(a.sensor_id, a.rule) for a in again.alarms if a.rule in ("gap", "spike", "flatline")} == {
        (a.sensor_id, a.rule) for a in result.alarms if a.rule in ("gap", "spike", "flatline")}


def test_a_wider_envelope_raises_fewer_alarms(monitored):
    sample, result = monitored
    sensors = sensors_from_rows(sample.sensors)
    wide = monitor(sample.readings, sensors, None, Thresholds(envelope_k=50.0))
    assert not [a for a in wide.alarms if a.rule == "dry_weather_anomaly"]


def test_many_clean_sensors_raise_no_alarm():
    """Clean level gauges with a daily cycle and rain gauges that saw no rain: every day is dry and
    nothing is out of its envelope (the timing of 1,000 sensors x 30 days is in bench/monitoring.py)."""
    from pipenet.network.monitoring.sample import clean_readings

    readings, rows = clean_readings(sensors=50, days=7)
    result = monitor(readings, sensors_from_rows(rows))
    assert len(readings) == 50 * 7 * 288 and result.alarms == []
