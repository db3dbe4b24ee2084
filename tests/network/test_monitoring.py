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


def test_a_csv_reads_the_same_with_pyarrow_and_pandas(tmp_path):
    """The CSV reader (pyarrow when installed, else pandas) and pandas alone give the same long readings:
    Chinese headers, a missing value, an unreadable time left out, sensor ids that look like numbers."""
    path = tmp_path / "long.csv"
    path.write_text("测点编号,时间,数值\n101,2024-01-01 00:00,0.5\n101,2024-01-01 00:05,\n102,2024-01-01 00:00,1.5\n"
                    "102,not a time,2.0\nL3,2024-01-01 00:05:00,-1\n", encoding="utf-8")
    fast, plain = read_readings(str(path)), read_readings(str(path), engine="pandas")
    for frame in (fast, plain):
        assert frame["sensor_id"].astype(str).tolist() == ["101", "101", "102", "L3"]
        assert frame["time"].dt.strftime("%H:%M").tolist() == ["00:00", "00:05", "00:00", "00:05"]
        assert np.allclose(frame["value"].to_numpy(), [0.5, np.nan, 1.5, -1.0], equal_nan=True)
    assert np.array_equal(to_matrix(fast).values, to_matrix(plain).values, equal_nan=True)


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
def built(tmp_path_factory):
    from pipenet.network import build_network
    from pipenet.network.io.frames import read_layer
    from pipenet.network.sample import write_gpkg

    sample = generate(km=20, seed=1, days=21)
    path = str(tmp_path_factory.mktemp("monitoring") / "network.gpkg")
    write_gpkg(sample.network, path, chinese=False)
    return sample, build_network(read_layer(path, "pipes"), read_layer(path, "nodes"))


@pytest.fixture(scope="module")
def monitored(built):
    sample, network = built
    sensors = sensors_from_rows(sample.sensors)
    assert place_sensors(sensors, network.graph) == []
    return sample, monitor(sample.readings, sensors, network.graph)


def test_every_injected_event_is_found_and_located(monitored):
    sample, result = monitored
    assert {t["rule"] for t in sample.truth} >= {"blockage", "dry_weather_anomaly", "dry_weather_flow", "gap",
                                                 "flatline", "spike", "out_of_range", "surcharge", "high_level",
                                                 "inflow_infiltration"}
    missed, false = match(result.alarms, sample.truth)
    assert missed == []  # 100 % recall; a blockage names the blocked pipe among its candidates
    blockage = next(a for a in result.alarms if a.rule == "blockage")
    assert sample.blocked_pipe in blockage.candidate_pipes and len(blockage.candidate_pipes) <= 4
    print(f"\n{len(result.alarms)} alarms, {len(false)} false:", [(a.sensor_id, a.rule, str(a.start)) for a in false])
    assert len(false) <= 2
    assert all(a.message_zh and a.message_en for a in result.alarms)
    assert {q.rule for q in result.qc} == {"gap", "flatline", "spike", "out_of_range"}


II_TOLERANCE = 0.15  # R recovered within 15 % of the injected R (noise, the dry-weather flow's day-to-day spread)


def test_inflow_infiltration_is_found_and_its_ratio_recovered(monitored):
    """The generator injects rain-derived inflow of a known R at the sanitary flow meter WQ01 (no sub-catchments:
    its area is the upstream sanitary pipe length x 30 m, as the rule's proxy): the rule raises an
    inflow_infiltration alarm there and recovers R; no other meter gets one."""
    sample, result = monitored
    truth = next(t for t in sample.truth if t["rule"] == "inflow_infiltration")
    alarms = [a for a in result.alarms if a.rule == "inflow_infiltration"]
    assert [a.sensor_id for a in alarms] == [truth["sensor_id"]] == ["WQ01"]
    meter = next(ii for ii in result.inflow if ii.sensor_id == "WQ01")
    assert abs(meter.ratio - truth["value"]) <= II_TOLERANCE * truth["value"], (meter.ratio, truth["value"])
    assert alarms[0].value == pytest.approx(meter.ratio)
    assert meter.area_basis == "pipe length" and meter.upstream_m > 1000
    assert meter.area_ha == pytest.approx(meter.upstream_m * 30.0 / 10_000)
    assert "no sub-catchments given" in alarms[0].message_en and "按上游管长" in alarms[0].message_zh
    # the night minimum is the dry-weather flow's low (no infiltration injected): below its mean, above zero
    assert 0 < meter.night_minimum < meter.dry_weather_flow and meter.infiltration_share < 0.75
    assert meter.wet_days + meter.dry_days == 21 and meter.rain_mm > 100
    assert alarms[0].pipe_id  # the pipe the meter is in: what the risk register raises


def test_given_sub_catchments_set_the_inflow_area(built, monitored):
    """With sub-catchment areas (node -> ha, as pipenet:stormcapacity's) the area is theirs upstream of the
    meter, not the pipe-length proxy: double the area, half the R."""
    from pipenet.network.monitoring.rules import upstream_catchment

    sample, network = built
    _, result = monitored
    proxy = next(ii for ii in result.inflow if ii.sensor_id == "WQ01")
    meter = next(s for s in result.sensors if s.sensor_id == "WQ01")
    upstream_m, _ = upstream_catchment(network.graph, meter.node_id, meter.system)
    areas = {name: 0.0 for name in network.graph.nodes}
    areas[meter.node_id] = 2 * proxy.area_ha  # one sub-catchment at the meter holds it all
    sensors = sensors_from_rows(sample.sensors)
    place_sensors(sensors, network.graph)
    again = monitor(sample.readings, sensors, network.graph, catchments=areas)
    given = next(ii for ii in again.inflow if ii.sensor_id == "WQ01")
    assert given.area_basis == "catchments" and given.area_ha == pytest.approx(2 * proxy.area_ha)
    assert given.ratio == pytest.approx(proxy.ratio / 2) and given.upstream_m == pytest.approx(upstream_m)
    assert not [a for a in again.alarms if a.rule == "inflow_infiltration"]  # R now under the 5 % limit


def test_active_alarms_raise_the_risk_of_the_pipes_they_point_at(built, monitored):
    """The blockage alarm is still on when the readings end: the blocked pipe (among its candidates) becomes
    likelier to fail, climbs the register and names the alarm; last week's storm surcharge is over and the
    sensors' own faults say nothing of a pipe, so neither raises anything."""
    from pipenet.network.audit import risk_register
    from pipenet.network.scoring.risk import raise_for_alarms

    sample, network = built
    _, result = monitored
    active = result.active(hours=24)
    assert "blockage" in {a.rule for a in active} and "surcharge" not in {a.rule for a in active}
    register = risk_register(network, {})
    raised = raise_for_alarms(register, active)
    pipe = next(key for key in register if key.split("#")[0] == sample.blocked_pipe)
    before, after = register[pipe], raised[pipe]
    assert after.likelihood == pytest.approx(min(5.0, before.likelihood + 1.5))
    assert after.risk > before.risk
    rank = {key: at for at, key in enumerate(key for key, _ in register.ranked())}
    new_rank = {key: at for at, key in enumerate(key for key, _ in raised.ranked())}
    assert new_rank[pipe] < rank[pipe]
    gauge = next(t["sensor_id"] for t in sample.truth if t["rule"] == "blockage")
    assert any(text.startswith(f"alarm blockage ({gauge}, from ") for text in after.reasons), after.reasons
    untouched = next(key for key in register if register.reasons(register.row_of(key)) ==
                     raised.reasons(raised.row_of(key)) and key != pipe)
    assert raised[untouched].likelihood == register[untouched].likelihood
    faults_only = raise_for_alarms(register, [a for a in result.alarms if a.rule in ("gap", "spike", "flatline")])
    assert np.array_equal(faults_only.likelihood, register.likelihood)


def test_blockage_candidates_come_ranked_by_condition(built, monitored):
    """Without scores the pipes between the gauges come in path order; with the audit's functional scores
    the worst comes first, the rest in path order (rules.rank_candidates)."""
    from pipenet.network.monitoring.rules import rank_candidates

    assert rank_candidates(["P1", "P2", "P3"]) == ["P1", "P2", "P3"]
    assert rank_candidates(["P1", "P2", "P3"], {"P3": 4.0, "P2": 1.5}) == ["P3", "P2", "P1"]
    sample, network = built
    _, result = monitored
    path = next(a for a in result.alarms if a.rule == "blockage").candidate_pipes
    assert len(path) > 1
    sensors = sensors_from_rows(sample.sensors)
    place_sensors(sensors, network.graph)
    again = monitor(sample.readings, sensors, network.graph, pipe_scores={path[-1]: 3.0})
    ranked = next(a for a in again.alarms if a.rule == "blockage").candidate_pipes
    assert ranked == [path[-1], *path[:-1]]


def test_dry_weather_flow_is_handed_to_the_outfall_source_ranking(built, monitored):
    """A storm gauge's dry-weather flow names where it may enter upstream, most likely first, as
    pipenet:outfallsources ranks it: a sanitary pipe draining into a storm manhole above the gauge comes first."""
    from pipenet.network.checks.idde import outfall_sources
    from pipenet.network.checks.trace import trace

    sample, network = built
    _, result = monitored
    alarm = next(a for a in result.alarms if a.rule == "dry_weather_flow")
    upstream = [n for n in trace(network.graph, alarm.node_id, "upstream", systems={"storm"}).nodes
                if n != alarm.node_id]
    assert upstream
    graph = network.graph.copy()
    entry = upstream[len(upstream) // 2]
    graph.add_node("ILLICIT", system="sanitary", x=0.0, y=0.0)
    graph.add_edge("ILLICIT", entry, key="W_CROSS", system="sanitary", length=12.0)
    sensors = sensors_from_rows(sample.sensors)
    place_sensors(sensors, graph)
    again = monitor(sample.readings, sensors, graph)
    located = next(a for a in again.alarms if a.rule == "dry_weather_flow" and a.sensor_id == alarm.sensor_id)
    ranked = [candidate.node for candidate in outfall_sources(graph, alarm.node_id).candidates]
    assert entry in located.candidate_sources and located.candidate_sources == ranked[:len(located.candidate_sources)]
    assert entry not in alarm.candidate_sources  # found from the cross connection, not by chance


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


def test_the_audit_takes_sensors_and_readings(built):
    """run_audit with sensors and readings (the Python API): the monitor runs on the audited network, its alarms
    come back with the result and in the summary, and the active ones raise the register."""
    from pipenet.network.audit import AuditOptions, run_audit

    sample, network = built
    plain = run_audit(network)
    monitored = run_audit(network, sensors=sample.sensors, readings=sample.wide(), options=AuditOptions(alarm_hours=24))
    assert plain.monitoring is None and "alarms" not in plain.summary
    missed, _ = match(monitored.monitoring.alarms, sample.truth)
    assert missed == []
    assert monitored.summary["alarms"]["blockage"] == 1 and monitored.summary["active_alarms"] >= 2
    pipe = next(key for key in plain.risk if key.split("#")[0] == sample.blocked_pipe)
    assert monitored.risk[pipe].likelihood > plain.risk[pipe].likelihood
    assert any(reason.startswith("alarm blockage") for reason in monitored.risk[pipe].reasons)
    assert monitored.risk[pipe].risk > plain.risk[pipe].risk
