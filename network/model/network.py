"""The Network facade: a built network and the analyses a Python user calls on it.

It sits above the checks: ``network.checks`` modules take a graph table and never import this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Optional

import networkx as nx
import numpy as np

from ..capacity.catchments import Catchments
from ..capacity.rational import StormFormula
from ..capacity.storm import StormCapacity, storm_capacity, storm_catchments
from ..checks.accumulate import accumulate
from ..checks.connectivity import connectivity
from ..checks.hydraulics import hydraulic_checks
from ..checks.illicit import illicit_connections
from ..checks.isolation import isolate
from ..checks.trace import check_starts, trace
from ..io.frames import findings_frame, nodes_frame, pipes_frame
from .findings import Finding, count_by_check
from .records import PipeResult, gc_paused
from .tables import GraphTable, table_of


class Network:
    """A built network: the directed multigraph plus per-feature results and findings.

    The build keeps pipes and nodes as shared columns (``table()``); the networkx ``graph`` is made
    from them the first time it is read, so runs that only check and write never pay for it.
    """

    def __init__(self, graph: Optional[nx.MultiDiGraph], findings: list[Finding],
                 pipe_results: Mapping[int, list[PipeResult]], node_ids: Mapping[int, str],
                 pipe_mapping: dict[str, str], node_mapping: dict[str, str],
                 pipe_coords: Optional[Mapping[str, Any]] = None,
                 on_progress: Optional[Callable[[float], None]] = None, input_crs: Any = None,
                 metric_crs: Any = None, sources: Optional[dict[str, Any]] = None, table_cache: Any = None):
        if graph is None and table_cache is None:
            raise ValueError("A Network needs a graph or a graph table.")
        self._graph = graph
        self.findings = findings
        self.pipe_results = pipe_results
        self.node_ids = node_ids
        self.pipe_mapping = pipe_mapping
        self.node_mapping = node_mapping
        self.pipe_coords = pipe_coords if pipe_coords is not None else {}
        self.on_progress = on_progress
        self.input_crs = input_crs
        self.metric_crs = metric_crs
        self.sources = sources if sources is not None else {}
        self.table_cache = table_cache
        # what the build read from which field, and what the fields it did not find cost
        # (build.fields.FieldReport, one per layer)
        self.field_reports: list = []
        self.inactive_left_out = 0  # pipes left out of the graph by their status (abandoned, proposed ...)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx MultiDiGraph in flow direction (made from the build's columns when first read)."""
        if self._graph is None:
            self._graph = self.table_cache.graph
        return self._graph

    @graph.setter
    def graph(self, graph: nx.MultiDiGraph) -> None:
        self._graph = graph

    @property
    def graph_made(self) -> bool:
        """Whether the networkx graph exists (checks and writers work without it)."""
        return self._graph is not None

    def set_crs(self, wkt: Optional[str]) -> None:
        """Record the input CRS (WKT) as the graph attribute ``crs``."""
        if self._graph is not None:
            self._graph.graph["crs"] = wkt
        elif self.table_cache is not None:
            self.table_cache.graph_attributes["crs"] = wkt

    def table(self, refresh: bool = False):
        """The graph as arrays (GraphTable): the build's own, or a new one after pipes were added or removed."""
        if self._graph is None:
            return self.table_cache
        self.table_cache = GraphTable.of_graph(self._graph) if refresh else table_of(self._graph, self.table_cache)
        return self.table_cache

    # -- analyses (the Python API; each delegates to its module) ------------------------------------
    def components(self, fragment_size: int = 2, sinks_as_outlets: Optional[bool] = None):
        """Subnetworks, outlets and reachability (see connectivity.connectivity)."""
        with gc_paused():
            return connectivity(self._graph, fragment_size, sinks_as_outlets, table=self.table(), known=self.findings)

    def upstream(self, node_ids, **options) -> dict:
        """{start: TraceResult} of an upstream trace from each node id (see trace.trace)."""
        return {n: trace(self.graph, n, "upstream", **options) for n in check_starts(self.graph, node_ids)}

    def downstream(self, node_ids, **options) -> dict:
        """{start: TraceResult} of a downstream trace from each node id, with paths to outlets."""
        return {n: trace(self.graph, n, "downstream", **options) for n in check_starts(self.graph, node_ids)}

    def accumulate(self, values: Optional[dict] = None):
        """Upstream length, nodes and summed values per pipe (see accumulate.accumulate)."""
        with gc_paused():
            return accumulate(self._graph, values, table=self.table())

    def illicit_connections(self, evidence_distance: float = 5.0):
        """Cross-system connections and flow-path violations (see illicit.illicit_connections)."""
        with gc_paused():
            return illicit_connections(self._graph, self.pipe_coords, evidence_distance, table=self.table())

    def hydraulic_checks(self, tolerances=None) -> list:
        """Slope, diameter, invert, depth, loop and split findings (see hydraulics.hydraulic_checks)."""
        with gc_paused():
            return hydraulic_checks(self._graph, tolerances, table=self.table())

    def isolate(self, break_pipe: str, inoperable=()):
        """Isolation segment of a water-main break (see isolation.isolate)."""
        return isolate(self.graph, break_pipe, inoperable)

    def storm_capacity(self, formula: StormFormula, design_period: float = 3.0,
                       catchments: Optional[Catchments] = None, runoff_coefficient: float = 0.6,
                       inlet_minutes: float = 10.0, catchment_radius: float = 50.0, study_area: Any = None,
                       manning: Optional[dict] = None) -> StormCapacity:
        """Storm capacity of every storm pipe by the rational method of GB 50014 (see storm.storm_capacity).

        ``formula``: the city's StormFormula (A1, C, b, n). ``catchments``: the sub-catchments
        (capacity.catchments.Catchments, polygons in the working CRS ``metric_crs``, each with the node
        it drains to and its ψ); without them, Thiessen polygons of the storm nodes clipped to
        ``study_area`` (a shapely polygon in the working CRS) or to ``catchment_radius`` m around each
        node, all with ψ = ``runoff_coefficient``. ``manning``: material -> n overrides. The result has
        per pipe of ``table()`` the design and full flows (L/s), the load, the return period it carries
        (years) and its class, and the findings (pipes without inverts, above 2 km², under capacity).
        """
        table = self.table()
        if catchments is None:
            catchments = storm_catchments(table, study_area, catchment_radius)
            catchments.psi = np.full(len(catchments.nodes), float(runoff_coefficient))
        area, psi_area = catchments.node_totals(table.names, table.index)
        with gc_paused():
            return storm_capacity(table, formula, area, psi_area, design_period, inlet_minutes, manning)

    # -- GeoDataFrames (only for networks built from GeoDataFrames or files) -------------------------
    def pipes_frame(self):
        """Input pipes with pn_ columns, one row per part, as a GeoDataFrame in the input CRS."""
        return pipes_frame(self, self.sources["pipes"])

    def nodes_frame(self):
        """Nodes (input and virtual) with pn_ columns as a GeoDataFrame in the input CRS."""
        return nodes_frame(self)

    def findings_frame(self, findings: Optional[list] = None):
        """Findings (default: the build's topology findings) as a GeoDataFrame in the uniform schema."""
        return findings_frame(self, self.findings if findings is None else findings)

    def summary(self) -> dict[str, Any]:
        """Counts a technician wants first: pipes, nodes, components, length, findings per check."""
        table = self.table()
        lengths = np.nan_to_num(table.edge_numbers("length"))
        codes, distinct = table.edge_codes("system")
        # one sum per system in pipe order (as a loop over the pipes adds them); bin 0: no system
        totals = np.bincount(codes + 1, weights=lengths, minlength=len(distinct) + 1)
        counts = np.bincount(codes + 1, minlength=len(distinct) + 1)
        systems: dict[str, float] = {}
        for system, length, count in zip([None, *distinct], totals.tolist(), counts.tolist()):
            if count:
                key = system or "unknown"
                systems[key] = systems.get(key, 0.0) + length
        components = set(table.node_values("component").tolist())
        components.discard(None)
        return {
            "pipes": len(table.keys),
            "nodes": table.node_count,
            "virtual_nodes": int(np.nan_to_num(table.node_numbers("virtual")).sum()),
            "components": len(components),
            "length_m": round(float(lengths.sum()), 1),
            "length_by_system_m": {k: round(v, 1) for k, v in sorted(systems.items())},
            "findings": count_by_check(self.findings),
            "fields": [report.as_dict() for report in self.field_reports],
            "inactive_pipes_left_out": self.inactive_left_out,
        }
