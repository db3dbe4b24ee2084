"""The partitioned audit on Dask: the driver plans, writes each partition as GeoParquet, maps the core's
audit over them on a Dask cluster (a LocalCluster, or any scheduler by its address), gathers the owned
results and applies the global steps (merge.py). Dask schedules; nothing here does."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..audit import AuditOptions
from ..model.findings import Check, Finding, make_finding
from ..model.records import BuildOptions
from ..scoring.condition import Defect
from .hotspots import KINDS, event_reach, global_hotspots, route_events
from .merge import component_numbers, global_risk, layer_findings, rename_findings, virtual_names
from .parquet import read_geoparquet, take_lines, take_points, write_geoparquet
from .plan import Plan, make_plan
from .worker import PartitionResult, audit_partition

INSTALL = ".venv/bin/python -m pip install 'dask==2024.8.0' 'distributed==2024.8.0'  (or: make setup)"


def require_dask():
    """The distributed module, or an ImportError that says how to install it."""
    try:
        import distributed
    except ImportError as missing:
        raise ImportError(f"The partitioned audit runs on Dask, which is not installed: {INSTALL}") from missing
    return distributed


@dataclass
class PartitionedAudit:
    """The merged audit: per pipe (graph edge) and per node columns, findings, the risk register, the run."""

    pipes: dict
    nodes: dict
    findings: list[Finding]
    risk: Any
    plan: Plan
    run: dict = field(default_factory=dict)
    input_crs: Any = None
    metric_crs: Any = None
    columns: Any = None  # the pipe layer's columns (attributes for the output)

    def reaches_outlet(self) -> set:
        """Names of the nodes from which water reaches an outlet (run_audit's ``reaches_outlet``)."""
        return {name for name, ok in zip(self.nodes["name"], self.nodes["reached"].tolist()) if ok}

    def upstream_length(self) -> dict:
        """Upstream length served per pipe key."""
        return dict(zip(self.pipes["key"], self.pipes["upstream"].tolist()))


def _partition_task(number: int, pipes_path: str, nodes_path: Optional[str], build: BuildOptions,
                    audit: AuditOptions, defects: list, events: list, kinds: tuple) -> PartitionResult:
    """What a Dask worker runs: read its GeoParquet, audit it (the core unchanged)."""
    pipes, owned_pipes = read_geoparquet(pipes_path, "line")
    nodes, owned_nodes = read_geoparquet(nodes_path, "point") if nodes_path else (None, None)
    return audit_partition(number, pipes, nodes, owned_pipes, owned_nodes, build, audit, defects, events, kinds)


def read_layers(pipes: Any, nodes: Any) -> tuple:
    """(pipe columns, node columns, input CRS, metric CRS) in one metric working CRS for every partition."""
    from ..io.frames import bounds_of, read_source, transform_xy, working_crs

    pipe_columns, pipe_crs, _ = read_source(pipes, "line")
    input_crs, metric = working_crs(crs=pipe_crs, bounds=bounds_of(pipe_columns.xy))
    if metric is not None:
        pipe_columns.xy = transform_xy(pipe_columns.xy, input_crs, metric)
    node_columns = None
    if nodes is not None:
        node_columns, node_crs, _ = read_source(nodes, "point")
        target = metric or input_crs
        if target is not None and node_crs is not None:
            node_columns.xy = transform_xy(node_columns.xy, node_crs, target)
    return pipe_columns, node_columns, input_crs, metric


def _route_defects(defects: list, pipes, id_field: Optional[str], plan: Plan) -> tuple[list, list[Finding]]:
    """Each defect to the partition owning its pipe (by id, or by the id before a part suffix '#n');
    a defect naming no pipe is reported here (``defect_pipe_unknown``), as run_audit reports it."""
    per_partition: list[list] = [[] for _ in range(plan.partitions)]
    unknown: list[Finding] = []
    if not defects:
        return per_partition, unknown
    ids = pipes.attrs[id_field].tolist() if id_field else []
    row_of = {str(value): row for row, value in reversed(list(enumerate(ids))) if value is not None}
    for defect in defects:
        row = row_of.get(defect.pipe_id, row_of.get(str(defect.pipe_id).rsplit("#", 1)[0]))
        if row is None:
            unknown.append(make_finding(Check.DEFECT_PIPE_UNKNOWN, defect.pipe_id, None, value=defect.code))
        else:
            per_partition[int(plan.pipe_partition[row])].append(defect)
    return per_partition, unknown


def _route_events(events: list, pipes, plan: Plan, audit: AuditOptions, input_crs: Any, metric: Any) -> list[list]:
    """Overflow events (x, y, weight; the pipe layer's CRS) per partition, in the working CRS; the pipes they
    may snap to join the halos (partition/hotspots.route_events)."""
    if not events:
        return [[] for _ in range(plan.partitions)]
    if metric is not None:
        from ..io.frames import transform_xy

        xy = transform_xy(np.array([(x, y) for x, y, _ in events], dtype=float), input_crs, metric)
        events = [(float(x), float(y), weight) for (x, y), (_, _, weight) in zip(xy.tolist(), events)]
    routed, extra = route_events(events, pipes, plan.pipe_partition, plan.partitions,
                                 event_reach(audit.event_snap_distance, plan.build_options.snap_tolerance))
    plan.halo_pipes = [np.union1d(halo, more) for halo, more in zip(plan.halo_pipes, extra)]
    return routed


_REGISTER = """
def register_pipenet(root):
    import importlib.util, sys
    if "pipenet" not in sys.modules:
        spec = importlib.util.spec_from_file_location("pipenet", root + "/__init__.py",
                                                      submodule_search_locations=[root])
        module = importlib.util.module_from_spec(spec)
        sys.modules["pipenet"] = module
        spec.loader.exec_module(module)
"""


def make_importable(client) -> None:
    """Let the workers import ``pipenet`` from this checkout (a checkout's folder is not named pipenet):
    the registration is sent by value (a function of ``__main__``), run on every worker."""
    namespace: dict = {"__name__": "__main__"}
    exec(_REGISTER, namespace)  # noqa: S102 - a fixed text: cloudpickle sends functions of __main__ by value
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    client.run(namespace["register_pipenet"], root)


def client_for(workers: int, scheduler: Optional[str], memory_limit: Optional[str], processes: bool = True):
    """A Dask client: of the scheduler at ``scheduler``, or of a new LocalCluster of ``workers`` one-thread
    workers capped at ``memory_limit`` each. Returns (client, cluster or None)."""
    distributed = require_dask()
    if scheduler:
        return distributed.Client(scheduler), None
    cluster = distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=processes,
                                       memory_limit=memory_limit or "auto", dashboard_address=None)
    return distributed.Client(cluster), cluster


def audit_partitioned(pipes: Any, nodes: Any = None, out_dir: Optional[str] = None, partitions: int = 4,
                      workers: int = 2, scheduler: Optional[str] = None, memory_limit: Optional[str] = "2GB",
                      packing: str = "hilbert", halo: bool = True, client: Any = None,
                      build_options: Optional[BuildOptions] = None, audit_options: Optional[AuditOptions] = None,
                      defects: Optional[list[Defect]] = None, events: Optional[list] = None, seed: int = 0,
                      write_outputs: bool = True) -> PartitionedAudit:
    """The network audit of an inventory too large for one process, partitioned by drainage basin on Dask.

    ``pipes``/``nodes``: paths GDAL opens ('file.gpkg|layername=pipes', (path, layer)) or GeoDataFrames.
    Partitions are written to ``out_dir``/partitions as GeoParquet; with ``write_outputs`` the driver
    writes ``out_dir``/pipenet_audit.gpkg (pipes, nodes, findings) and ``out_dir``/partitioned_run.json.
    ``client``: an existing dask.distributed Client; otherwise one is made (``scheduler`` address, or a
    LocalCluster of ``workers`` capped at ``memory_limit``) and closed at the end. ``defects``: CCTV defects
    (breakage hotspots, condition); ``events``: overflow events (x, y, weight) in the pipe layer's CRS.
    """
    started = time.perf_counter()
    build = build_options or BuildOptions()
    audit = audit_options or AuditOptions()
    build.validate()
    audit.validate()
    require_dask()
    if out_dir is None:
        raise ValueError("out_dir is needed: the partitions are written there as GeoParquet")
    pipe_columns, node_columns, input_crs, metric = read_layers(pipes, nodes)
    read_seconds = time.perf_counter() - started
    plan = make_plan(pipe_columns, node_columns, partitions, build, audit, packing, halo, seed)
    defects_by_partition, unknown = _route_defects(defects or [], pipe_columns,
                                                   plan.build_options.pipe_fields.get("id"), plan)
    events_by_partition = _route_events(events or [], pipe_columns, plan, audit, input_crs, metric)
    kinds = tuple(kind for kind, given in zip(KINDS, (defects, events)) if given)
    files = _write_partitions(plan, pipe_columns, node_columns, os.path.join(out_dir, "partitions"),
                              metric or input_crs)
    plan_seconds = time.perf_counter() - started - read_seconds
    made, cluster = (client, None) if client is not None else client_for(workers, scheduler, memory_limit)
    try:
        make_importable(made)
        futures = [made.submit(_partition_task, number, pipes_path, nodes_path, plan.build_options, audit,
                               defects_by_partition[number], events_by_partition[number], kinds, pure=False)
                   for number, (pipes_path, nodes_path) in enumerate(files)]
        results = made.gather(futures)
    finally:
        if client is None:
            made.close()
            if cluster is not None:
                cluster.close()
    map_seconds = time.perf_counter() - started - read_seconds - plan_seconds
    merged = merge_results(results, plan, node_columns, unknown, audit, kinds)
    merged.input_crs, merged.metric_crs, merged.columns = input_crs, metric, pipe_columns
    merged.run = {"partitions": partitions, "packing": packing, "halo_m": plan.halo_radius, "groups": plan.groups,
                  "pipes": int(pipe_columns.count), "nodes": int(node_columns.count) if node_columns else 0,
                  "seconds": {"read": round(read_seconds, 2), "plan_and_write_partitions": round(plan_seconds, 2),
                              "partition_audits": round(map_seconds, 2)},
                  "per_partition": [{"partition": r.number, "pipes_owned": r.owned_pipe_features,
                                     "halo_pipes": r.halo_pipe_features, "halo_nodes": r.halo_node_features,
                                     "seconds": r.seconds, "worker_peak_mb": r.peak_mb} for r in results]}
    if write_outputs:
        from .output import write_outputs as write

        write(merged, out_dir, started)
    return merged


def _write_partitions(plan: Plan, pipes, nodes, folder: str, crs: Any) -> list[tuple[str, Optional[str]]]:
    """Each partition's pipes and nodes (own and halo) as GeoParquet files; their paths."""
    os.makedirs(folder, exist_ok=True)
    wkt = crs.to_wkt() if crs is not None and hasattr(crs, "to_wkt") else None
    files = []
    for number in range(plan.partitions):
        pipe_rows, own_pipes, node_rows, own_nodes = plan.rows(number)
        pipes_path = os.path.join(folder, f"pipes_{number:04d}.parquet")
        write_geoparquet(pipes_path, take_lines(pipes, pipe_rows), own_pipes, wkt)
        nodes_path = None
        if nodes is not None:
            nodes_path = os.path.join(folder, f"nodes_{number:04d}.parquet")
            write_geoparquet(nodes_path, take_points(nodes, node_rows), own_nodes, wkt)
        files.append((pipes_path, nodes_path))
    return files


def merge_results(results: list[PartitionResult], plan: Plan, nodes, unknown: list[Finding],
                  audit: AuditOptions, kinds: tuple = ()) -> PartitionedAudit:
    """The partitions' owned results as one audit: global virtual names, subnetwork numbers, findings, risk."""
    id_field = plan.build_options.node_fields.get("id")
    taken = set()
    if nodes is not None and id_field:
        taken = {str(v) for v in nodes.attrs[id_field].tolist() if v is not None}
    for result in results:  # real node names (made-up N<fid> ones too) are never virtual
        taken |= {name for name, virtual in zip(result.nodes["name"], result.nodes["virtual"].tolist()) if not virtual}
    mappings = virtual_names(results, taken)
    pipes: dict = {}
    node_columns: dict = {}
    findings: list[Finding] = list(plan.findings) + unknown
    for result, mapping in zip(results, mappings):
        renamed = dict(result.pipes)
        renamed["from"] = [mapping.get(n, n) for n in result.pipes["from"]]
        renamed["to"] = [mapping.get(n, n) for n in result.pipes["to"]]
        renamed["partition"] = np.full(len(result.pipes["key"]), result.number)
        _append(pipes, renamed)
        node_renamed = dict(result.nodes, name=[mapping.get(n, n) for n in result.nodes["name"]],
                            partition=np.full(len(result.nodes["name"]), result.number))
        _append(node_columns, node_renamed)
        findings += rename_findings([f for f in result.findings if f.check != Check.RISK_NO_DATA], mapping)
    node_numbers, pipe_numbers = component_numbers(node_columns["partition"], node_columns["component"],
                                                   node_columns["name"], pipes["partition"], pipes["component"])
    node_columns["component"], pipes["component"] = node_numbers, pipe_numbers
    names = set(pipes["key"]) | set(node_columns["name"])
    on_features, layer = layer_findings(findings, names)
    for kind in kinds:
        global_hotspots(pipes, [result.hotspots[kind] for result in results], kind)
    risk = global_risk(pipes, audit.risk)
    if risk.note:
        layer.append(make_finding(Check.RISK_NO_DATA, "(pipes layer)", None, value=", ".join(risk.missing)))
    return PartitionedAudit(pipes, node_columns, on_features + layer, risk, plan)


def _append(into: dict, part: dict) -> None:
    """Concatenate a partition's columns onto the merged ones (lists stay lists, arrays arrays)."""
    for name, values in part.items():
        if name in ("xy", "offsets"):
            into.setdefault(name, []).append(values)
        elif name not in into:
            into[name] = values if isinstance(values, np.ndarray) else list(values)
        elif isinstance(values, np.ndarray):
            into[name] = np.concatenate([into[name], values])
        else:
            into[name] = list(into[name]) + list(values)
