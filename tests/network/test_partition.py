"""The partitioned audit (network/partition) equals the single-machine audit on the same sample."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from pipenet.network.audit import run_audit  # noqa: E402
from pipenet.network.build.builder import build_network  # noqa: E402
from pipenet.network.io.arrow import read_columns  # noqa: E402
from pipenet.network.io.frames import transform_xy  # noqa: E402
from pipenet.network.partition import audit_partitioned  # noqa: E402
from pipenet.network.partition.packing import hilbert_keys  # noqa: E402
from pipenet.network.partition.skeleton import proximity_groups  # noqa: E402
from pipenet.network.sample import combined, generate, shifted, write_gpkg  # noqa: E402
from pipenet.network.scoring.condition import Defect  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _tiles():
    base = generate(km=30, seed=1)
    return combined(base, shifted(base, 2500, 0, "T1"), shifted(base, 0, 2500, "T2"), shifted(base, 2500, 2500, "T3"))


@pytest.fixture(scope="module")
def close_sample():
    """Four towns with a sanitary copy 1.2/1.6 m beside every line (the halo's case), with a pipe id and a
    node id repeated across the map (global duplicates); its CCTV defects and overflow events copied too."""
    tiles = _tiles()
    close = combined(tiles, shifted(tiles, 1.2, 1.6, "P", system="WS"))
    close.pipes[5000]["id"] = close.pipes[10]["id"]
    close.nodes[4000]["id"] = close.nodes[7]["id"]
    return tiles, close


@pytest.fixture(scope="module")
def samples(tmp_path_factory, close_sample):
    """Four towns (12 proximity groups), and close_sample."""
    folder = tmp_path_factory.mktemp("partition")
    tiles, close = close_sample
    paths = {}
    for name, sample in (("tiles", tiles), ("close", close)):
        paths[name] = str(folder / f"{name}.gpkg")
        write_gpkg(sample, paths[name])
    return paths


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as made:
        yield made


def _reference(path, defects=None, events=None):
    network = build_network(read_columns(path, "pipes", "line")[0], read_columns(path, "nodes", "point")[0])
    return network, run_audit(network, defects, events)


def _key(finding):
    return (finding.check, finding.severity, finding.kind, finding.feature_id, finding.fid, finding.value,
            finding.message_en, finding.message_zh, finding.x, finding.y)


def _compare(path, result, tmp_path):
    network, reference = _reference(path)
    table = network.table()
    pipes, nodes = result.pipes, result.nodes
    # components: the same numbers (global numbering), so the same membership
    ours = dict(zip(pipes["pn_id"], pipes["pn_comp"]))
    theirs = dict(zip(table.keys, np.asarray(table.edge_values("component")).tolist()))
    assert ours == theirs
    assert result.reaches_outlet() == set(reference.reaches_outlet)
    upstream, expected = result.upstream_length(), dict(reference.upstream_length)
    assert upstream.keys() == expected.keys()
    # bit for bit: a pipe's length and a finding's place never depend on the other pipes read with it
    assert upstream == expected
    assert Counter(map(_key, result.findings)) == Counter(map(_key, reference.findings))
    # node names (virtual junctions V1, V2 ... in global order) and the risk register
    assert sorted(nodes["pn_id"]) == sorted(table.names)
    risk = dict(zip(pipes["pn_id"], pipes["pn_risk"]))
    assert risk == dict(zip(reference.risk.keys_list, reference.risk.risk.tolist()))


@pytest.mark.parametrize("partitions", [2, 4, 8])
@pytest.mark.parametrize("packing", ["hilbert", "random"])
def test_equal_with_halo(samples, client, tmp_path, partitions, packing):
    """Read in one batch, and (4 partitions) in batches of 1,500 features: a partition's rows come from
    several batch files, ids renamed and halos taken along across batches."""
    result = audit_partitioned(samples["close"] + "|layername=pipes", samples["close"] + "|layername=nodes",
                               str(tmp_path), partitions=partitions, packing=packing, client=client,
                               write_outputs=False, batch_rows=1500 if partitions == 4 else 1_000_000)
    assert max(result.plan.pipe_partition) == partitions - 1
    _compare(samples["close"], result, tmp_path)


@pytest.mark.parametrize("partitions", [2, 8])
@pytest.mark.parametrize("packing", ["hilbert", "random"])
def test_equal_without_halo_where_groups_are_apart(samples, client, tmp_path, partitions, packing):
    result = audit_partitioned(samples["tiles"] + "|layername=pipes", samples["tiles"] + "|layername=nodes",
                               str(tmp_path), partitions=partitions, packing=packing, halo=False, client=client,
                               write_outputs=False)
    assert not any(len(h) for h in result.plan.halo_pipes)
    _compare(samples["tiles"], result, tmp_path)


def test_halo_is_needed_beside_a_parallel_system(samples, client, tmp_path):
    """Without the halo, random packing loses the near misses and evidence across partitions: the halo
    tests above are exercised."""
    result = audit_partitioned(samples["close"] + "|layername=pipes", samples["close"] + "|layername=nodes",
                               str(tmp_path), partitions=8, packing="random", halo=False, client=client,
                               write_outputs=False)
    _, reference = _reference(samples["close"])
    missing = Counter(map(_key, reference.findings)) - Counter(map(_key, result.findings))
    assert {key[0] for key in missing} >= {"near_miss", "sanitary_near_storm"}


@pytest.mark.parametrize("everywhere", [False, True])
def test_missing_inverts_as_the_whole_layer_has_them(client, tmp_path, everywhere):
    """Inverts surveyed in one town of four (or in none): a partition of the other towns alone sees no
    invert, yet the layer has some, so its pipes are reported one by one as the whole audit reports them;
    with none anywhere, the one finding for the layer counts every gravity pipe."""
    tiles = _tiles()
    for pipe in tiles.pipes:
        if everywhere or pipe["id"][:1] == "T":
            pipe.update(up_invert=None, down_invert=None, up_depth=None, down_depth=None)
    for node in tiles.nodes:
        if everywhere or node["id"][:1] == "T":
            node.update(invert=None, ground=None)
    path = str(tmp_path / "inverts.gpkg")
    write_gpkg(tiles, path)
    result = audit_partitioned(path + "|layername=pipes", path + "|layername=nodes", str(tmp_path / "out"),
                               partitions=8, packing="random", halo=False, client=client, write_outputs=False)
    _, reference = _reference(path)
    ours = [f for f in result.findings if f.check == "missing_invert"]
    theirs = [f for f in reference.findings if f.check == "missing_invert"]
    assert Counter(map(_key, ours)) == Counter(map(_key, theirs))
    assert len(theirs) == 1 if everywhere else len(theirs) > 1000
    _compare(path, result, tmp_path)


def test_ids_repeated_in_most_towns_name_nothing_in_any_partition(client, tmp_path):
    """Three towns of four exported with OBJECTID 0 on every pipe and manhole: over the whole layer the id
    columns name nothing, so every pipe is P<fid> and every manhole N<fid>; a partition of the fourth town
    alone would judge its ids to name its features. It is told the whole layer's answer."""
    tiles = _tiles()
    for pipe in tiles.pipes:
        if pipe["id"][:1] == "T":
            pipe.update(id=" 0 ", **{"from": None, "to": None})
    for node in tiles.nodes:
        if node["id"][:1] == "T":
            node.update(id="0")
    path = str(tmp_path / "repeated.gpkg")
    write_gpkg(tiles, path)
    result = audit_partitioned(path + "|layername=pipes", path + "|layername=nodes", str(tmp_path / "out"),
                               partitions=4, client=client, write_outputs=False)
    assert (result.plan.build_options.pipe_ids_name_nothing, result.plan.build_options.node_ids_name_nothing) == \
        (True, True)
    network, _ = _reference(path)
    assert all(key.startswith("P") for key in network.table().keys)
    _compare(path, result, tmp_path)


def test_diameters_read_in_the_whole_layers_unit(client, tmp_path):
    """One town of four gives its diameters in metres, three in millimetres, none with a unit: 'auto' reads
    the whole layer in millimetres (the median), so the town's 0.6 is 0.6 mm there too (reported as
    implausible), where a partition of that town alone would read metres."""
    tiles = _tiles()
    for pipe in tiles.pipes:
        if pipe["id"][:1] != "T":
            pipe.update(diameter=pipe["diameter"] / 1000.0)
    path = str(tmp_path / "units.gpkg")
    write_gpkg(tiles, path)
    result = audit_partitioned(path + "|layername=pipes", path + "|layername=nodes", str(tmp_path / "out"),
                               partitions=4, client=client, write_outputs=False)
    assert result.plan.build_options.diameter_unit == "mm"
    _compare(path, result, tmp_path)


@pytest.mark.parametrize("everywhere", [False, True])
def test_blank_diameters_as_the_whole_layer_has_them(client, tmp_path, everywhere):
    """Diameters left blank in one town of four (or in all): a partition of that town alone has none, yet
    the layer has some, so its pipes are reported one by one; blank everywhere, one finding for the layer
    counts every pipe (as run_audit reports it, however many partitions there are)."""
    tiles = _tiles()
    for pipe in tiles.pipes:
        if everywhere or pipe["id"][:1] != "T":
            pipe.update(diameter=None)
    path = str(tmp_path / "blank.gpkg")
    write_gpkg(tiles, path)
    result = audit_partitioned(path + "|layername=pipes", path + "|layername=nodes", str(tmp_path / "out"),
                               partitions=4, client=client, write_outputs=False)
    _, reference = _reference(path)
    missing = [f for f in reference.findings if f.check == "missing_attribute"]
    assert len(missing) == 1 if everywhere else len(missing) > 500
    _compare(path, result, tmp_path)


MONTPELIER = ROOT / "tests" / "data" / "montpelier"


@pytest.mark.parametrize("partitions, packing", [(2, "hilbert"), (8, "random")])
def test_equal_on_the_montpelier_survey(client, tmp_path, partitions, packing):
    """A survey as published (Montpelier, Vermont: WGS 84 GeoJSON, OBJECTID 0 on every feature, no inverts
    and no outlet typed, coincident manholes, lines cut where other lines end): the partitioned audit gives
    the single-machine audit's answers bit for bit, from the layer-wide rules (inverts missing everywhere:
    one finding; dead ends as outlets) to the piece of a neighbouring partition's pipe a finding names."""
    pipes, nodes = str(MONTPELIER / "town_linear_features.geojson"), str(MONTPELIER / "town_point_features.geojson")
    result = audit_partitioned(pipes, nodes, str(tmp_path), partitions=partitions, packing=packing, client=client,
                               write_outputs=False)
    lines, points = read_columns(pipes, None, "line")[0], read_columns(nodes, None, "point")[0]
    lines.xy = transform_xy(lines.xy, result.input_crs, result.metric_crs)
    points.xy = transform_xy(points.xy, result.input_crs, result.metric_crs)
    network = build_network(lines, points)
    reference = run_audit(network)
    table = network.table()
    assert dict(zip(result.pipes["pn_id"], result.pipes["pn_comp"])) == \
        dict(zip(table.keys, np.asarray(table.edge_values("component")).tolist()))
    assert result.reaches_outlet() == set(reference.reaches_outlet)
    assert result.upstream_length() == dict(reference.upstream_length)
    assert sorted(result.nodes["pn_id"]) == sorted(table.names)
    assert Counter(map(_key, result.findings)) == Counter(map(_key, reference.findings))
    checks = Counter(f.check for f in reference.findings)
    assert checks["missing_invert"] == 1 and checks["snapped_gap"] > 100 and checks["near_miss"] > 10
    assert sum(len(h) for h in result.plan.halo_pipes) > 0


def _observations(sample):
    defects = [Defect(d["pipe_id"], d["code"], d["grade"], d["distance"]) for d in sample.defects]
    return defects, [(e["x"], e["y"], 1.0) for e in sample.events]


@pytest.mark.parametrize("partitions", [2, 4])
@pytest.mark.parametrize("packing", ["hilbert", "random"])
def test_hotspots_equal_with_defects_and_events(samples, close_sample, client, tmp_path, partitions, packing):
    """Breakage (CCTV defects) and overflow (events snapped to the nearest pipe, across the parallel system)
    hotspots per pipe: Gi* with the whole network's mean and spread, equal to the single-machine audit's."""
    defects, events = _observations(close_sample[1])
    path = samples["close"]
    result = audit_partitioned(path + "|layername=pipes", path + "|layername=nodes", str(tmp_path),
                               partitions=partitions, packing=packing, client=client, defects=defects,
                               events=events, write_outputs=partitions == 2 and packing == "hilbert",
                               batch_rows=2500 if packing == "random" else 1_000_000)
    _, reference = _reference(path, defects, events)
    assert Counter(map(_key, result.findings)) == Counter(map(_key, reference.findings))
    for kind in ("breakage", "overflow"):
        table = getattr(reference, kind)
        expected = {key: table[key] for key in table}
        short = {"breakage": "brk", "overflow": "ovf"}[kind]
        pipes = result.pipes
        ours = {key: (z, p, c, d, e) for key, z, p, c, d, e in zip(
            pipes["pn_id"], *(pipes[f"pn_{short}_{name}"] for name in ("z", "p", "cls", "dens", "events")))
            if z is not None}
        assert ours == {key: (h.z, h.p, h.hot_class, h.density, h.events) for key, h in expected.items()}
        # the case is not empty: hot and cold pipes, events on both systems
        assert {"hot 99%", "not significant"} <= {c for _, _, c, _, _ in ours.values()}
    pipes = result.pipes
    risk = dict(zip(pipes["pn_id"], pipes["pn_risk"]))
    assert risk == dict(zip(reference.risk.keys_list, reference.risk.risk.tolist()))
    if partitions == 2 and packing == "hilbert":  # the GeoPackage carries the classes under the audit's names
        from osgeo import ogr

        source = ogr.Open(str(tmp_path / "pipenet_audit.gpkg"))  # kept: its layers die with it
        written = Counter(feature.GetField("pn_ovf_cls") for feature in source.GetLayerByName("pipes"))
        assert written == Counter(h.hot_class for h in reference.overflow.values())


def _layer_rows(path: str, name: str) -> tuple[list, list]:
    """(field name and type per field, (attributes, geometry WKB) per feature) of a GeoPackage layer."""
    from osgeo import ogr

    source = ogr.Open(path)
    layer = source.GetLayerByName(name)
    definition = layer.GetLayerDefn()
    fields = [(definition.GetFieldDefn(i).GetName(), definition.GetFieldDefn(i).GetTypeName())
              for i in range(definition.GetFieldCount())]
    rows = [(tuple(feature.GetField(i) for i in range(len(fields))),
             bytes(feature.GetGeometryRef().ExportToIsoWkb()) if feature.GetGeometryRef() else None)
            for feature in layer]
    return fields, rows


def test_the_arrow_writer_writes_what_the_ogr_loop_writes(samples, close_sample, client, tmp_path):
    """The driver's GeoPackage by GDAL's Arrow batches (pyogrio, GDAL >= 3.8) equals the plain
    feature-by-feature OGR loop beside it: every layer, field type, value and geometry."""

    from osgeo import ogr

    from pipenet.network.partition.output import arrow_writer, write_gpkg

    if arrow_writer() is None:
        pytest.skip("no pyogrio with a GDAL that writes Arrow batches (requirements-dev.txt installs it)")
    defects, events = _observations(close_sample[1])
    path = samples["close"]
    result = audit_partitioned(path + "|layername=pipes", path + "|layername=nodes", str(tmp_path / "run"),
                               partitions=2, client=client, defects=defects, events=events, write_outputs=False)
    written = {}
    for arrow in (True, False):
        target = str(tmp_path / f"{'arrow' if arrow else 'ogr'}.gpkg")
        written[arrow] = write_gpkg(result.out_dir, result.input_crs.to_wkt(), arrow=arrow, target=target)[0]
    for name in ("pipes", "nodes", "findings"):
        assert _layer_rows(written[True], name) == _layer_rows(written[False], name), name
    source = ogr.Open(written[True])  # the R-tree GDAL built answers spatial queries
    layer = source.GetLayerByName("pipes")
    layer.SetSpatialFilterRect(*(lambda e: (e[0], e[2], e[1], e[3]))(layer.GetExtent()))
    assert layer.GetFeatureCount() == len(result.pipes["pn_id"]) > 0
    assert source.ExecuteSQL("SELECT 1 FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'") \
        .GetFeatureCount() >= 3


def test_groups_are_coarser_than_components(samples):
    pipes = read_columns(samples["close"], "pipes", "line")[0]
    nodes = read_columns(samples["close"], "nodes", "point")[0]
    groups = proximity_groups(pipes, nodes, 0.5, "起点点号", "终点点号", "物探点号")
    network = build_network(pipes, nodes)
    table = network.table()
    fids = np.asarray(table.edge_numbers("fid"), dtype=np.int64)
    component = np.asarray(table.edge_values("component"))
    for number in np.unique(component).tolist():
        assert len(np.unique(groups.pipe[fids[component == number]])) == 1
    assert groups.count >= 8  # four towns, each of more than one group: 8 partitions are not empty


def test_strips_find_the_groups_the_whole_network_query_finds(samples):
    """The proximity queries strip by strip (a few hundred points each, lines crossing many strips) give the
    groups of the plain query over the whole network at once (one strip)."""
    pipes = read_columns(samples["close"], "pipes", "line")[0]
    nodes = read_columns(samples["close"], "nodes", "point")[0]
    fields = ("起点点号", "终点点号", "物探点号")
    plain = proximity_groups(pipes, nodes, 0.5, *fields, strip_points=10 ** 9)
    for strip in (300, 1001):
        strips = proximity_groups(pipes, nodes, 0.5, *fields, strip_points=strip)
        assert strips.count == plain.count > 8
        assert np.array_equal(strips.pipe, plain.pipe) and np.array_equal(strips.node, plain.node)


def test_batches_route_every_row_where_the_plan_puts_it(samples, tmp_path):
    """Read in batches of 700 features, every partition's rows (its own and its halo, ascending, with the
    owned flag) are the plan's (Plan.rows: the plain whole-layer selection), attributes and geometry as
    the whole-layer reader gives them."""
    from pipenet.network.audit import AuditOptions
    from pipenet.network.model.records import BuildOptions
    from pipenet.network.partition.parquet import BatchFiles, read_partition
    from pipenet.network.partition.plan import make_plan
    from pipenet.network.partition.source import first_batches, read_skeleton, route

    pipes, nodes = samples["close"] + "|layername=pipes", samples["close"] + "|layername=nodes"
    fixed = first_batches(pipes, nodes, BuildOptions(), 700)
    skeleton = read_skeleton(pipes, nodes, fixed, lambda xy: xy, lambda xy: xy, 700)
    plan = make_plan(skeleton, 4, fixed, AuditOptions(), "random")
    files = BatchFiles(str(tmp_path / "partitions"), 4, None)
    route(pipes, nodes, plan, (skeleton.renamed_pipes, skeleton.renamed_nodes), fixed, files, lambda xy: xy,
          lambda xy: xy, 700)
    whole_pipes = read_columns(samples["close"], "pipes", "line")[0]
    assert len(files.pieces["line"][0]) > 1 and sum(len(h) for h in plan.halo_pipes) > 0
    for number in range(4):
        pipe_rows, own_pipes, node_rows, own_nodes = plan.rows(number)
        got, owned = read_partition(files.pieces["line"][number], "line")
        assert np.array_equal(got.fids, pipe_rows) and np.array_equal(owned, own_pipes)
        got_nodes, owned_nodes = read_partition(files.pieces["point"][number], "point")
        assert np.array_equal(got_nodes.fids, node_rows) and np.array_equal(owned_nodes, own_nodes)
        name = "管径"
        assert np.array_equal(got.attrs[name], whole_pipes.attrs[name][pipe_rows])
        first = got.offsets[np.searchsorted(got.part_feature, np.arange(got.count))]
        assert np.array_equal(got.xy[first], whole_pipes.xy[whole_pipes.offsets[:-1][pipe_rows]])


def test_hilbert_keys_walk_neighbours():
    grid = np.array([[i, j] for i in range(8) for j in range(8)], dtype=float)
    ordered = grid[np.argsort(hilbert_keys(grid, order=3))]
    assert (np.abs(np.diff(ordered, axis=0)).sum(axis=1) == 1).all()


def test_command_end_to_end_with_worker_processes(samples, tmp_path):
    """scripts/pipenet-audit with a 2-process LocalCluster: the GeoPackage, GeoParquet and run summary."""
    out = tmp_path / "audit"
    done = subprocess.run([str(ROOT / "scripts" / "pipenet-audit"), samples["tiles"] + "|layername=pipes",
                           samples["tiles"] + "|layername=nodes", str(out), "--partitions", "3", "--workers", "2",
                           "--memory-limit", "1GB", "--batch-rows", "2000"], capture_output=True, text=True,
                          timeout=300,
                          env={**os.environ, "PIPENET_PYTHON": str(ROOT / ".venv" / "bin" / "python")})
    assert done.returncode == 0, done.stderr[-2000:]
    from osgeo import ogr

    source = ogr.Open(str(out / "pipenet_audit.gpkg"))
    network, reference = _reference(samples["tiles"])
    assert source.GetLayerByName("pipes").GetFeatureCount() == len(network.table().keys)
    assert source.GetLayerByName("findings").GetFeatureCount() == len(reference.findings)
    assert source.GetLayerByName("nodes").GetFeatureCount() == len(network.table().names)
    import json

    run = json.loads((out / "partitioned_run.json").read_text())
    assert len(run["per_partition"]) == 3 and all(p["worker_peak_mb"] > 0 for p in run["per_partition"])
    # the input read in batches of 2,000 features: a file per batch, a row group per partition in each
    assert len(list((out / "partitions").glob("pipes_*.parquet"))) == -(-run["pipes"] // 2000) > 1
    assert len(list((out / "audit").glob("pipes_*.parquet"))) == 3


@pytest.mark.parametrize("max_cells", [4_000_000, 50])
def test_halo_holds_every_foreign_feature_within_the_radius(monkeypatch, max_cells):
    """The grid's halo against the plain reference (every pair of boxes measured): nothing within the radius
    of a partition's own feature is left out, however coarse the grid has to get. With 50 cells for 3,000
    features the grid must coarsen below one cell per feature (at 100x the bound could not be met and the
    cell size grew until it overflowed)."""
    from pipenet.network.partition import halo

    monkeypatch.setattr(halo, "MAX_CELLS", max_cells)
    rng = np.random.default_rng(7)
    corner = rng.uniform(0, 2000, size=(3000, 2))
    size = rng.uniform(0, 30, size=(3000, 2))
    boxes = np.stack([corner[:, 0], corner[:, 0] + size[:, 0], corner[:, 1], corner[:, 1] + size[:, 1]], axis=1)
    owner = rng.integers(0, 4, size=3000)
    radius = 12.0
    feature, partition = halo.halo_members(boxes, owner, radius)
    found = set(zip(feature.tolist(), partition.tolist()))
    gap_x = np.maximum(0, np.maximum(boxes[:, None, 0] - boxes[None, :, 1], boxes[None, :, 0] - boxes[:, None, 1]))
    gap_y = np.maximum(0, np.maximum(boxes[:, None, 2] - boxes[None, :, 3], boxes[None, :, 2] - boxes[:, None, 3]))
    near = np.hypot(gap_x, gap_y) <= radius
    expected = {(f, int(owner[g])) for f, g in zip(*np.nonzero(near)) if owner[f] != owner[g]}
    assert expected and expected <= found
    assert all(owner[f] != p for f, p in found)  # only foreign features


def test_layer_findings_keep_every_defect_and_one_note_per_layer():
    """Two CCTV defects of one code on a pipe id the network lacks are two findings (run_audit reports one
    per defect); a note on the whole layer that several partitions make is one."""
    from pipenet.network.model.findings import Check, make_finding
    from pipenet.network.partition.merge import layer_findings

    defect = make_finding(Check.DEFECT_PIPE_UNKNOWN, "WS019-0409X0409", None, value="SL")
    note = make_finding(Check.RISK_NO_DATA, "(pipes layer)", None, value="install year")
    assert layer_findings([defect, note, defect, note]) == [defect, note, defect]
