"""The partitioned audit on Dask: the driver plans, writes each partition as GeoParquet, maps the core's
audit over them on a Dask cluster (a LocalCluster, or any scheduler by its address), gathers the owned
results and applies the global steps (merge.py). Dask schedules; nothing here does."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field, replace
from typing import Any, Optional

import numpy as np

from ..audit import AuditOptions
from ..io.frames import transform_xy, working_crs
from ..model.findings import FINDING_COLUMNS, Check, Finding, make_finding
from ..model.records import BuildOptions
from ..scoring.condition import Defect
from .hotspots import KINDS, event_reach, route_events
from .merge import component_numbers, global_moments, layer_findings, missing_inverts, risk_no_data, virtual_names
from .output import PARTS, finding_table, write_gpkg, write_summary, write_table
from .parquet import BatchFiles
from .plan import Plan, make_plan
from .source import BATCH_ROWS, Skeleton, first_batches, layer_crs, read_skeleton, route
from .tasks import Globals, audit_task, finish_task

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
    """The merged audit, on disk: ``out_dir``/audit holds every partition's pipes, nodes and findings as
    GeoParquet (input CRS), ``out_dir``/pipenet_audit.gpkg all of them when written. The properties read
    them back whole: for tests and small networks, never for a national one."""

    out_dir: str
    plan: Plan
    run: dict = field(default_factory=dict)
    input_crs: Any = None
    metric_crs: Any = None

    def _columns(self, name: str) -> dict:
        import pyarrow.parquet

        from .output import layer_paths

        merged: dict = {}
        for path in layer_paths(self.out_dir, name):
            for column, values in pyarrow.parquet.read_table(path).to_pydict().items():
                merged.setdefault(column, []).extend(values)
        return merged

    def column(self, layer: str, name: str) -> np.ndarray:
        """One column of a layer ('pipes', 'nodes', 'findings') over every partition, reading only it."""
        import pyarrow.parquet

        from .output import layer_paths

        parts = [pyarrow.parquet.read_table(path, columns=[name]).column(name).to_numpy(zero_copy_only=False)
                 for path in layer_paths(self.out_dir, layer)]
        return np.concatenate(parts) if parts else np.empty(0)

    @property
    def pipes(self) -> dict:
        """Every pipe's output columns (the input's attributes and the ``pn_`` ones), partition by partition."""
        return self._columns("pipes")

    @property
    def nodes(self) -> dict:
        return self._columns("nodes")

    @property
    def findings(self) -> list[Finding]:
        rows = self._columns("findings")
        names = [c for c in FINDING_COLUMNS if c != "fid"]
        return [Finding(**{c: rows[c][i] for c in names}, fid=rows["src_fid"][i], x=_finite(rows["x"][i]),
                        y=_finite(rows["y"][i])) for i in range(len(rows.get("check", [])))]

    def reaches_outlet(self) -> set:
        """Names of the nodes from which water reaches an outlet (run_audit's ``reaches_outlet``)."""
        nodes = self.nodes
        return {name for name, ok in zip(nodes["pn_id"], nodes["pn_reaches"]) if ok}

    def upstream_length(self) -> dict:
        """Upstream length served per pipe key."""
        pipes = self.pipes
        return dict(zip(pipes["pn_id"], pipes["pn_upstream_m"]))


def _given(option: Optional[bool], whole_layer: bool) -> bool:
    """An option the caller set, else the whole layer's answer."""
    return whole_layer if option is None else option


def _finite(value):
    return None if value is None or value != value else value


def _route_defects(defects: list, skeleton: Skeleton, plan: Plan) -> tuple[list, list[Finding]]:
    """Each defect to the partition owning its pipe (by id, or by the id before a part suffix '#n';
    the first pipe of an id); a defect naming no pipe is reported here (``defect_pipe_unknown``), as
    run_audit reports it."""
    per_partition: list[list] = [[] for _ in range(plan.partitions)]
    unknown: list[Finding] = []
    if not defects:
        return per_partition, unknown
    ids, given = skeleton.pipe_ids, skeleton.pipe_id_given
    rows = np.flatnonzero(given) if ids is not None else np.empty(0, dtype=np.int64)
    order = rows[np.argsort(ids[rows], kind="stable")] if len(rows) else rows
    ordered = ids[order] if len(rows) else np.empty(0, dtype="S1")

    def row_of(text: str) -> int:
        value = text.encode("utf-8")
        at = int(np.searchsorted(ordered, value))
        return int(order[at]) if at < len(ordered) and ordered[at] == value else -1

    for defect in defects:
        row = row_of(str(defect.pipe_id))
        if row < 0:
            row = row_of(str(defect.pipe_id).rsplit("#", 1)[0])
        if row < 0:
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


def _transforms(pipes: Any, nodes: Any) -> tuple:
    """(input CRS, metric CRS or None, pipe xy -> working CRS, node xy -> working CRS): one metric working
    CRS for every partition, chosen from the pipe layer's CRS and extent as the QGIS algorithms choose it."""
    crs, extent = layer_crs(pipes)
    input_crs, metric = working_crs(crs=crs, bounds=extent)
    node_crs = layer_crs(nodes)[0] if nodes is not None else None
    target = metric or input_crs

    def pipes_to(xy):
        return transform_xy(xy, input_crs, metric) if metric is not None else xy

    def nodes_to(xy):
        return transform_xy(xy, node_crs, target) if target is not None and node_crs is not None else xy
    return input_crs, metric, pipes_to, nodes_to


def audit_partitioned(pipes: Any, nodes: Any = None, out_dir: Optional[str] = None, partitions: int = 4,
                      workers: int = 2, scheduler: Optional[str] = None, memory_limit: Optional[str] = "2GB",
                      packing: str = "hilbert", halo: bool = True, client: Any = None,
                      build_options: Optional[BuildOptions] = None, audit_options: Optional[AuditOptions] = None,
                      defects: Optional[list[Defect]] = None, events: Optional[list] = None, seed: int = 0,
                      write_outputs: bool = True, batch_rows: int = BATCH_ROWS) -> PartitionedAudit:
    """The network audit of an inventory too large for one process, partitioned by drainage basin on Dask.

    ``pipes``/``nodes``: paths GDAL opens ('file.gpkg|layername=pipes', (path, layer)) or GeoDataFrames,
    read in batches of ``batch_rows`` features (the driver never holds a layer's attributes whole).
    The partitions' input is written to ``out_dir``/partitions, their output to ``out_dir``/audit (GeoParquet);
    with ``write_outputs`` the driver writes ``out_dir``/pipenet_audit.gpkg (pipes, nodes, findings) and
    ``out_dir``/partitioned_run.json. ``client``: an existing dask.distributed Client; otherwise one is made
    (``scheduler`` address, or a LocalCluster of ``workers`` capped at ``memory_limit``) and closed at the end.
    ``defects``: CCTV defects (breakage hotspots, condition); ``events``: overflow events (x, y, weight) in
    the pipe layer's CRS.
    """
    started = time.perf_counter()
    clock = Clock(started)
    build = build_options or BuildOptions()
    audit = audit_options or AuditOptions()
    build.validate()
    audit.validate()
    require_dask()
    if out_dir is None:
        raise ValueError("out_dir is needed: the partitions are written there as GeoParquet")
    for folder in ("partitions", "work", PARTS):
        shutil.rmtree(os.path.join(out_dir, folder), ignore_errors=True)
        os.makedirs(os.path.join(out_dir, folder))
    input_crs, metric, pipes_to, nodes_to = _transforms(pipes, nodes)
    fixed = first_batches(pipes, nodes, build, batch_rows)
    skeleton = read_skeleton(pipes, nodes, fixed, pipes_to, nodes_to, batch_rows)
    clock.lap("read_skeleton")
    # the whole layers' answers, not each partition's own on its few rows
    fixed = replace(fixed, pipe_ids_name_nothing=_given(fixed.pipe_ids_name_nothing, skeleton.pipe_ids_name_nothing),
                    node_ids_name_nothing=_given(fixed.node_ids_name_nothing, skeleton.node_ids_name_nothing),
                    diameter_unit=skeleton.diameter_unit if fixed.diameter_unit == "auto" else fixed.diameter_unit,
                    diameters_blank=skeleton.diameters_blank)
    plan = make_plan(skeleton, partitions, fixed, audit, packing, halo, seed)
    audit = replace(audit, sinks_as_outlets=_given(audit.sinks_as_outlets, not skeleton.outlets_typed))
    defects_by_partition, unknown = _route_defects(defects or [], skeleton, plan)
    events_by_partition = _route_events(events or [], skeleton.pipes, plan, audit, input_crs, metric)
    kinds = tuple(kind for kind, given in zip(KINDS, (defects, events)) if given)
    counts = {"pipes": int(skeleton.pipes.count), "nodes": int(skeleton.nodes.count) if skeleton.nodes else 0}
    reserved = set(skeleton.reserved_names)
    renamed = (skeleton.renamed_pipes, skeleton.renamed_nodes)
    del skeleton  # the plan keeps what the rest needs: partitions and halos
    clock.lap("plan")
    crs = metric or input_crs
    files = BatchFiles(os.path.join(out_dir, "partitions"), partitions,
                       crs.to_wkt() if crs is not None and hasattr(crs, "to_wkt") else None)
    route(pipes, nodes, plan, renamed, fixed, files, pipes_to, nodes_to, batch_rows)
    clock.lap("write_partitions")
    work = os.path.join(out_dir, "work")
    made, cluster = (client, None) if client is not None else client_for(workers, scheduler, memory_limit)
    try:
        make_importable(made)
        futures = [made.submit(audit_task, number, files.pieces["line"][number], files.pieces["point"][number],
                               plan.build_options, audit, defects_by_partition[number], events_by_partition[number],
                               kinds, work, files.fields, pure=False) for number in range(partitions)]
        summaries = made.gather(futures)
        clock.lap("partition_audits")
        names = virtual_names(summaries, reserved.union(*(s.reserved_names for s in summaries)))
        numbers = component_numbers(summaries, names)
        moments = global_moments(summaries, kinds)
        longest = max((s.max_upstream for s in summaries), default=0.0)
        inverts, no_inverts = missing_inverts(summaries)
        futures = [made.submit(finish_task, number, work, out_dir,
                               Globals(names[number], numbers[number], moments, longest, kinds, audit.risk,
                                       input_crs, metric, inverts), pure=False) for number in range(partitions)]
        finished = made.gather(futures)
        clock.lap("partition_outputs")
    finally:
        if client is None:
            made.close()
            if cluster is not None:
                cluster.close()
    own = list(plan.findings) + unknown + layer_findings([f for s in summaries for f in s.layer_findings])
    no_data = risk_no_data(summaries)
    own += [finding for finding in (no_data, no_inverts) if finding is not None]
    back = (lambda xy: transform_xy(xy, metric, input_crs)) if metric is not None else (lambda xy: xy)
    write_table(finding_table(own, back), os.path.join(out_dir, PARTS, "findings_global.parquet"))
    result = PartitionedAudit(out_dir, plan, {}, input_crs, metric)
    result.run = {"partitions": partitions, "packing": packing, "halo_m": plan.halo_radius, "groups": plan.groups,
                  **counts, "seconds": clock.seconds,
                  "per_partition": [{"partition": s.number, "pipes_owned": s.owned_pipe_features,
                                     "halo_pipes": s.halo_pipe_features, "halo_nodes": s.halo_node_features,
                                     "seconds": s.seconds, "worker_peak_mb": s.peak_mb} for s in summaries],
                  "findings": _added([c["findings"] for c in finished] + [_counted(own)]),
                  "risk_classes": _added([c["risk_classes"] for c in finished])}
    if write_outputs:
        _, writer = write_gpkg(out_dir, input_crs.to_wkt() if input_crs is not None else None)
        clock.lap("write_gpkg")
        result.run["gpkg_writer"] = writer
        result.run["seconds"]["total"] = round(time.perf_counter() - started, 2)
        write_summary(out_dir, result.run)
    shutil.rmtree(work, ignore_errors=True)
    return result


class Clock:
    """Seconds per stage of the run."""

    def __init__(self, started: float):
        self.last, self.seconds = started, {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self.last, 2)
        self.last = now


def _counted(findings: list) -> dict:
    counts: dict = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    return counts


def _added(counts: list[dict]) -> dict:
    total: dict = {}
    for part in counts:
        for key, value in part.items():
            total[key] = total.get(key, 0) + value
    return dict(sorted(total.items()))
