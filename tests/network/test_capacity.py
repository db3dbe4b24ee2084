"""Storm capacity by the rational method (GB 50014-2021): a worked example by hand, the closed-form
return period, Thiessen catchments and runoff weighting, formula files."""

import math

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import box

from pipenet.network import PipeNetInputError
from pipenet.network.capacity.catchments import given, runoff_of, thiessen, weight_runoff
from pipenet.network.capacity.manning import roughness
from pipenet.network.capacity.rational import StormFormula, capacity_classes, load_formulas
from pipenet.network.capacity.storm import storm_capacity
from pipenet.network.model.tables import GraphTable

FORMULA = StormFormula(a1=20.0, c=0.8, b=15.0, n=0.7, name="test city")

# a 3-pipe concrete chain N1 -> N2 -> N3 -> N4 (outfall), 100 m each
CHAIN = [("N1", "N2", "P1", 400.0, 10.00, 9.70), ("N2", "N3", "P2", 500.0, 9.65, 9.40),
         ("N3", "N4", "P3", 600.0, 9.35, 9.15)]
AREA_HA = {"N1": 0.2, "N2": 0.25, "N3": 0.8, "N4": 0.0}
PSI = {"N1": 0.5, "N2": 0.6, "N3": 0.7, "N4": 0.0}


def chain_table(chain=CHAIN):
    graph = nx.MultiDiGraph()
    for position, node in enumerate(["N1", "N2", "N3", "N4"]):
        graph.add_node(node, x=100.0 * position, y=0.0, type="outfall" if node == "N4" else "manhole")
    for u, v, key, diameter, up, down in chain:
        graph.add_edge(u, v, key=key, length=100.0, diameter=diameter, up_invert=up, down_invert=down,
                       material="钢筋混凝土", system="storm", fid=int(key[1:]))
    return GraphTable.of_graph(graph)


def run_chain(chain=CHAIN, period=3.0):
    table = chain_table(chain)
    area = np.array([AREA_HA[name] for name in table.names])
    psi_area = np.array([AREA_HA[name] * PSI[name] for name in table.names])
    return table, storm_capacity(table, FORMULA, area, psi_area, design_period=period, inlet_minutes=10.0)


def test_worked_example_by_hand():
    table, result = run_chain()
    row = {key: table.keys.index(key) for key in ("P1", "P2", "P3")}
    # Manning full pipe, n = 0.013 (concrete): v = (1/n) R^(2/3) S^(1/2), R = D/4, Q = v·πD²/4
    v1 = (1 / 0.013) * (0.4 / 4) ** (2 / 3) * math.sqrt(0.30 / 100)
    v2 = (1 / 0.013) * (0.5 / 4) ** (2 / 3) * math.sqrt(0.25 / 100)
    v3 = (1 / 0.013) * (0.6 / 4) ** (2 / 3) * math.sqrt(0.20 / 100)
    assert (round(v1, 4), round(v2, 4), round(v3, 4)) == (0.9077, 0.9615, 0.9712)
    q_full = [1000 * v * math.pi * d ** 2 / 4 for v, d in ((v1, 0.4), (v2, 0.5), (v3, 0.6))]
    assert [round(q, 1) for q in q_full] == [114.1, 188.8, 274.6]
    # time of concentration at each pipe's start: t1 = 10 min plus the flow time of the pipes above
    t = [10.0, 10.0 + 100 / v1 / 60, 10.0 + 100 / v1 / 60 + 100 / v2 / 60]
    assert [round(x, 2) for x in t] == [10.0, 11.84, 13.57]
    # ψ·F upstream (ha): 0.5·0.2, + 0.6·0.25, + 0.7·0.8
    psi_area = [0.1, 0.1 + 0.15, 0.1 + 0.15 + 0.56]
    q = [167 * 20.0 * (1 + 0.8 * math.log10(3.0)) / (x + 15.0) ** 0.7 for x in t]  # L/(s·ha)
    assert [round(x, 1) for x in q] == [484.8, 461.4, 441.6]
    flow = [pa * qq for pa, qq in zip(psi_area, q)]  # L/s
    assert [round(x, 1) for x in flow] == [48.5, 115.3, 357.7]
    for key, position in row.items():
        i = int(key[1]) - 1
        assert result.minutes[position] == pytest.approx(t[i])
        assert result.q_full[position] == pytest.approx(q_full[i])
        assert result.q_design[position] == pytest.approx(flow[i])
        assert result.load[position] == pytest.approx(flow[i] / q_full[i])
        assert result.area_ha[position] == pytest.approx([0.2, 0.45, 1.25][i])
        assert result.psi[position] == pytest.approx(psi_area[i] / [0.2, 0.45, 1.25][i])
    # loads 0.425, 0.611, 1.303: P3 is overloaded at P = 3 years and carries a 1.19-year storm
    assert [round(float(result.load[row[k]]), 3) for k in ("P1", "P2", "P3")] == [0.425, 0.611, 1.303]
    assert [round(float(result.period[row[k]]), 2) for k in ("P1", "P2", "P3")] == [650.62, 37.76, 1.19]
    assert [result.classes[row[k]] for k in ("P1", "P2", "P3")] == [">=5", ">=5", "1-2"]
    assert [(f.feature_id, f.value) for f in result.findings if f.check == "under_capacity"] == [("P3", "1.19")]


def test_closed_form_return_period_reproduces_full_capacity():
    table, result = run_chain()
    # Q_full put back into the formula at the period found gives Q_full again
    back = result.psi * result.area_ha * FORMULA.intensity(result.period, result.minutes)
    assert back == pytest.approx(result.q_full, rel=1e-9)
    # smaller pipes: the period found still puts back to Q_full (here below one year)
    smaller = [(u, v, key, diameter / 2, up, down) for u, v, key, diameter, up, down in CHAIN]
    _, tight = run_chain(smaller)
    assert (tight.period < 1).all() and (tight.load > 1).all()
    assert FORMULA.intensity(tight.period, tight.minutes) * tight.psi * tight.area_ha == pytest.approx(tight.q_full)
    assert capacity_classes([0.5, 1.0, 2.5, 3.0, 4.9, 5.0, float("nan")]) == [
        "<1", "1-2", "2-3", "3-5", "3-5", ">=5", None]


def test_missing_inverts_and_flat_pipes_are_findings_not_guesses():
    chain = [CHAIN[0], ("N2", "N3", "P2", 500.0, None, 9.40), ("N3", "N4", "P3", 600.0, 9.15, 9.35)]
    table, result = run_chain(chain)
    found = {(f.check, f.feature_id, f.value) for f in result.findings}
    assert ("capacity_no_invert", "P2", "") in found and ("capacity_no_slope", "P3", "-2") in found
    p2, p3 = table.keys.index("P2"), table.keys.index("P3")
    assert math.isnan(result.q_full[p2]) and math.isnan(result.period[p3]) and result.classes[p3] is None
    assert result.q_design[p3] > 0  # the design flow is still known: area and time do not need the slope


def test_rational_area_limit_and_sanitary_pipes_left_out():
    table = chain_table()
    table_area = np.array([150.0, 60.0, 0.0, 0.0])
    result = storm_capacity(table, FORMULA, table_area, table_area * 0.6)
    limit = sorted(f.feature_id for f in result.findings if f.check == "rational_area_limit")
    by_name = dict(zip(table.names, table_area))
    assert by_name["N1"] == 150.0 and limit == ["P2", "P3"]
    graph = table.graph
    for _, _, data in graph.edges(data=True):
        data["system"] = "sanitary"
    result = storm_capacity(GraphTable.of_graph(graph), FORMULA, table_area, table_area)
    assert not result.storm.any() and np.isnan(result.q_design).all() and not result.findings


def test_manning_n_by_material():
    assert roughness(["UPVC", "球墨铸铁管", "钢管", "浆砌砖", "砼", "unknown"]).tolist() == [
        0.01, 0.013, 0.012, 0.015, 0.013, 0.013]
    assert roughness(["HDPE"], {"hdpe": 0.009}).tolist() == [0.009]


def test_thiessen_catchments_and_runoff_weighting():
    names = ["A", "B", "C", "D"]
    xy = np.array([[25.0, 25.0], [75.0, 25.0], [25.0, 75.0], [75.0, 75.0]])
    cells = thiessen(names, xy, area=box(0, 0, 100, 100))
    assert cells.area_ha.tolist() == pytest.approx([0.25] * 4)
    weight_runoff(cells, [(box(0, 0, 50, 100), runoff_of("沥青路面")), (box(50, 0, 75, 100), runoff_of("绿地"))],
                  default_psi=0.5)
    assert cells.psi.tolist() == pytest.approx([0.9, 0.5 * 0.15 + 0.5 * 0.5, 0.9, 0.325])
    table = chain_table()
    area, psi_area = given(["N1", "N1", "N2"], [box(0, 0, 100, 100), box(0, 0, 50, 100), None]).node_totals(
        table.names, table.index)
    assert dict(zip(table.names, area.tolist()))["N1"] == pytest.approx(1.5)
    assert runoff_of("公园") == 0.15 and runoff_of("级配碎石路面") == 0.45 and runoff_of("居住区") == 0.525
    assert runoff_of("something else", default=0.55) == 0.55 and runoff_of("x", {"X": 0.8}) == 0.8


def test_formula_files(tmp_path):
    csv_file = tmp_path / "formulas.csv"
    csv_file.write_text("城市,A1,C,B,N\n上海,9.581,0.846,7.0,0.656\n测试,20,0.8,15,0.7\n", encoding="utf-8")
    formulas = load_formulas(str(csv_file))
    assert set(formulas) == {"上海", "测试"} and formulas["上海"].a1 == 9.581
    json_file = tmp_path / "formulas.json"
    json_file.write_text('{"Test": {"A1": 20, "C": 0.8, "B": 15, "N": 0.7}}', encoding="utf-8")
    assert load_formulas(str(json_file))["Test"] == StormFormula(20, 0.8, 15, 0.7, "Test")
    csv_file.write_text("name,A1,C,B\nX,1,2,3\n", encoding="utf-8")
    with pytest.raises(PipeNetInputError, match="N is missing"):
        load_formulas(str(csv_file))
    with pytest.raises(PipeNetInputError, match="A1 and N must be positive"):
        StormFormula(0.0, 0.8, 15, 0.7)


def test_chicago_design_storm_depth_is_the_formula_depth():
    from scipy.integrate import quad

    from pipenet.network.capacity.design_storm import chicago, intensity_at

    for peak, step in ((0.4, 5.0), (0.0, 1.0), (1.0, 10.0), (0.35, 7.0)):
        storm = chicago(FORMULA, 3.0, 120.0, peak, step)
        formula_depth = 20.0 * (1 + 0.8 * math.log10(3.0)) * 120.0 / (120.0 + 15.0) ** 0.7  # i(T)·T, mm
        assert storm.total == pytest.approx(formula_depth, rel=1e-12)
        assert storm.end[-1] == 120.0 and (storm.depth > 0).all()
        # the continuous Keifer-Chu curve integrates to the same depth
        integrated = sum(quad(lambda t, r=peak: float(intensity_at(FORMULA, 3.0, 120.0, r, t)), a, b)[0]
                         for a, b in ((0.0, peak * 120.0), (peak * 120.0, 120.0)) if b > a)
        assert integrated == pytest.approx(formula_depth, rel=1e-6)
    storm = chicago(FORMULA, 3.0, 120.0, 0.4, 5.0)
    assert int(np.argmax(storm.depth)) == 9  # the step holding minute 48
    assert storm.l_s_ha == pytest.approx(storm.mm_per_min * 167.0)
    with pytest.raises(PipeNetInputError):
        chicago(FORMULA, 3.0, 120.0, 1.5, 5.0)


def test_swmm_export_round_trip(tmp_path):
    from pipenet.network.api import build_network
    from pipenet.network.capacity.design_storm import chicago
    from pipenet.network.capacity.storm import STORM_SYSTEMS
    from pipenet.network.io.swmm import read_swmm
    from pipenet.network.io.swmm_export import write_swmm
    from pipenet.network.model.columns import lookup_factorized
    from pipenet.network.sample import generate, write_gpkg

    source = tmp_path / "sample.gpkg"
    write_gpkg(generate(km=20, seed=1), str(source))
    network = build_network(f"{source}|layername=pipes", f"{source}|layername=nodes")
    table = network.table()
    storm = lookup_factorized(table.edge_codes("system"), dict.fromkeys(STORM_SYSTEMS, 1), 0) == 1
    nodes = np.unique(np.concatenate([table.source[storm], table.target[storm]]))
    cells = thiessen([table.names[p] for p in nodes.tolist()], table.node_coordinates()[nodes], radius=50.0)
    cells.psi = np.full(len(cells.nodes), 0.6)
    codes, distinct = table.edge_codes("material")
    n = np.append(roughness(distinct), 0.013)[codes]
    target = tmp_path / "model.inp"
    written = write_swmm(str(target), table, n, cells, chicago(FORMULA, 3.0, 120.0, 0.4, 5.0))
    model = read_swmm(str(target))
    assert written.conduits == int(storm.sum()) == len(model.links) and written.subcatchments == len(cells.nodes)
    exported = sorted((table.keys[r], table.names[table.source[r]], table.names[table.target[r]],
                       round(float(table.edge_numbers("length")[r]), 3)) for r in np.flatnonzero(storm).tolist())
    read = sorted((link["name"], link["from_node"], link["to_node"], round(link["length"], 3)) for link in model.links)
    assert read == exported
    rows = {table.keys[r]: r for r in np.flatnonzero(storm).tolist()}
    for link in model.links[:100]:  # inverts come back where they were known
        up = table.edge_numbers("up_invert")[rows[link["name"]]]
        if up == up:
            assert link["up_invert"] == pytest.approx(up, abs=2e-3)
    assert {node["node_type"] for node in model.nodes} == {"junction", "outfall"}
    assert "DESIGN_STORM" in target.read_text(encoding="utf-8") and not model.warnings


def test_network_storm_capacity_facade(tmp_path):
    """Network.storm_capacity (the Python API) gives the core's answer: with given catchments exactly the
    worked example's, without them Thiessen polygons of the storm nodes with one ψ."""
    from pipenet.network.api import build_network
    from pipenet.network.sample import generate, write_gpkg

    source = tmp_path / "sample.gpkg"
    write_gpkg(generate(km=20, seed=1), str(source))
    network = build_network(f"{source}|layername=pipes", f"{source}|layername=nodes")
    table = network.table()
    result = network.storm_capacity(FORMULA, design_period=3.0, runoff_coefficient=0.6)
    assert result.keys == table.keys and int(result.storm.sum()) > 150
    storm_rows = np.flatnonzero(result.storm)
    assert np.isnan(result.q_design[~result.storm]).all()
    known = storm_rows[~np.isnan(result.q_full[storm_rows])]
    assert len(known) > 0.8 * len(storm_rows)
    assert np.nanmax(np.abs(result.psi[known] - 0.6)) < 1e-9  # one ψ everywhere
    # the same as the core given the same Thiessen catchments
    from pipenet.network.capacity.storm import storm_catchments

    cells = storm_catchments(table)
    cells.psi = np.full(len(cells.nodes), 0.6)
    area, psi_area = cells.node_totals(table.names, table.index)
    core = storm_capacity(table, FORMULA, area, psi_area, 3.0)
    assert np.array_equal(core.period, result.period, equal_nan=True) and core.classes == result.classes
    # a standard of 5 years finds more pipes below it; a study area smaller than the discs, less area
    assert (network.storm_capacity(FORMULA, 5.0).period < 5.0).sum() > (result.period < 3.0).sum()
    x, y = table.node_coordinates()[table.index[cells.nodes[0]]]
    clipped = network.storm_capacity(FORMULA, study_area=box(x - 20, y - 20, x + 20, y + 20))
    assert np.nansum(clipped.area_ha) < np.nansum(result.area_ha)


def test_network_storm_capacity_with_given_catchments():
    from pipenet.network.model.network import Network

    table = chain_table()
    network = Network(None, [], {}, {}, {}, {}, table_cache=table)
    cells = given(["N1", "N2", "N3"], [box(0, 0, 100, 20), box(100, 0, 200, 25), box(200, 0, 300, 80)])
    cells.psi = np.array([0.5, 0.6, 0.7])
    result = network.storm_capacity(FORMULA, 3.0, cells)
    _, by_hand = run_chain()
    assert result.period == pytest.approx(by_hand.period) and result.classes == [">=5", ">=5", "1-2"]
