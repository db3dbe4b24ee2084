"""Plain data types the core works on: input records, build options and the built Network."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import networkx as nx
import numpy as np

from ._errors import PipeNetInputError
from .findings import Finding, count_by_check


@contextmanager
def gc_paused():
    """Pause Python's cycle collector while millions of small objects are made.

    Each collection walks every live object; with a county in memory that is most of the time a
    whole-network step spends. The objects made then hold no reference cycles, so nothing is lost.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

Coords = list[tuple[float, float]]

# Prefix of every field PipeNet adds to an output layer.
FIELD_PREFIX = "pn_"


def node_xy(graph: nx.MultiDiGraph, node: Optional[str]) -> Optional[tuple[float, float]]:
    """A node's working-CRS location, or None."""
    if node is None or node not in graph.nodes or "x" not in graph.nodes[node]:
        return None
    return graph.nodes[node]["x"], graph.nodes[node]["y"]


def edge_of(graph: nx.MultiDiGraph, key: str) -> tuple:
    """(from node, to node, key) of a pipe by its id; the build keeps an index, other graphs are scanned."""
    index = graph.graph.get("edge_index")
    if index and key in index:
        return index[key]
    for u, v, other in graph.edges(keys=True):
        if other == key:
            return u, v, other
    raise PipeNetInputError(f"Pipe '{key}' is not in the network.", field_name="pipe id")


class PartCoords(Mapping):
    """Pipe id -> its (n, 2) vertex array, as views into one vertex array (no dict of millions)."""

    def __init__(self, keys: list, xy, offsets):
        self._keys, self._xy, self._offsets = keys, xy, offsets
        self._index: Optional[dict] = None

    @property
    def keys_list(self) -> list:
        """The pipe ids in order (the build's GraphTable shares this very list)."""
        return self._keys

    def arrays(self, positions):
        """(vertex array, offsets) of the parts at ``positions``, for building indexes in bulk."""
        from .columns import ranges

        if len(positions) == len(self._offsets) - 1 and self._offsets[0] == 0 \
                and np.array_equal(positions, np.arange(len(positions))):
            return self._xy, np.asarray(self._offsets, dtype=np.int64)  # every part in order: no copy
        sizes = self._offsets[positions + 1] - self._offsets[positions]
        xy = self._xy[ranges(self._offsets[positions], sizes)]
        return xy, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def boxes(self) -> np.ndarray:
        """(minx, maxx, miny, maxy) of every part, in order."""
        from .columns import range_boxes

        return range_boxes(self._offsets, self._xy)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """((min x, min y), (max x, max y)) of all the parts' vertices."""
        return self._xy.min(axis=0), self._xy.max(axis=0)

    def positions(self, keys: list) -> np.ndarray:
        """Positions of the parts with ``keys`` (for ``arrays``)."""
        if keys is self._keys:
            return np.arange(len(keys), dtype=np.int64)
        return np.fromiter((self._position(key) for key in keys), dtype=np.int64, count=len(keys))

    def _position(self, key) -> int:
        if self._index is None:
            self._index = dict(zip(self._keys, range(len(self._keys))))
        return self._index[key]

    def __getitem__(self, key):
        position = self._position(key)
        return self._xy[self._offsets[position]:self._offsets[position + 1]]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key) -> bool:
        try:
            self._position(key)
        except (KeyError, TypeError):
            return False
        return True


class Cancelled(RuntimeError):
    """The user cancelled the run."""


@dataclass
class PipeRecord:
    """One input pipe feature: its parts in metric working coordinates and its attributes."""

    fid: int
    parts: list[Coords]
    attrs: dict[str, Any]


@dataclass
class NodeRecord:
    """One input node feature: its location in metric working coordinates and its attributes."""

    fid: int
    xy: Optional[tuple[float, float]]
    attrs: dict[str, Any]


@dataclass
class LayerData:
    """The records of one input layer with its name and field names (for messages and mapping)."""

    name: str
    field_names: Sequence[str]
    records: Sequence[Any]


@dataclass
class BuildOptions:
    """Tolerances (metres) and reading options of a network build."""

    snap_tolerance: float = 0.5
    near_miss_distance: float = 2.0
    gap_report: float = 0.02
    diameter_unit: str = "auto"
    pipe_fields: dict[str, Optional[str]] = field(default_factory=dict)
    node_fields: dict[str, Optional[str]] = field(default_factory=dict)
    aliases_path: Optional[str] = None
    # drop the input columns' raw attribute arrays once parsed (for callers that own the columns,
    # like the Processing algorithms: hundreds of MB on a county)
    release_attributes: bool = False

    def validate(self) -> list[str]:
        """Raise PipeNetInputError for a tolerance that is not a finite number of metres >= 0 or a
        field mapping that is not a dict; return warnings about values that are valid but unusual.

        >>> BuildOptions(snap_tolerance=float("nan")).validate()
        Traceback (most recent call last):
        ...
        pipenet.network._errors.PipeNetInputError: snap_tolerance must be a finite number of metres >= 0, not nan.
        >>> print(*BuildOptions(snap_tolerance=100).validate())  # doctest: +ELLIPSIS
        Snapping tolerance (snap_tolerance) 100 m is over 50 m: pipe ends up to 100 m apart will be joined ...
        """
        for name in ("snap_tolerance", "near_miss_distance", "gap_report"):
            setattr(self, name, check_distance(name, getattr(self, name)))
        for name in ("pipe_fields", "node_fields"):
            mapping = getattr(self, name)
            if not isinstance(mapping, Mapping) or not all(
                    isinstance(key, str) and (value is None or isinstance(value, str))
                    for key, value in mapping.items()):
                raise PipeNetInputError(
                    f"{name} must be a dict of role to field name, such as {{'id': '管线编号', 'diameter': '管径'}}, "
                    f"not {mapping!r}.", field_name=name)
        warnings = []
        if self.snap_tolerance > MAX_PLAUSIBLE_SNAP:
            warnings.append(f"Snapping tolerance (snap_tolerance) {self.snap_tolerance:g} m is over "
                            f"{MAX_PLAUSIBLE_SNAP:g} m: pipe ends up "
                            f"to {self.snap_tolerance:g} m apart will be joined (and checks searched that far); "
                            "is the value in metres?")
        return warnings


MAX_PLAUSIBLE_SNAP = 50.0  # metres: a larger snapping tolerance is allowed, with a warning


def check_distance(name: str, value: Any) -> float:
    """``value`` as a float if it is a finite number >= 0, else PipeNetInputError naming ``name``.

    >>> check_distance("snap_tolerance", 2)
    2.0
    >>> check_distance("snap_tolerance", "abc")
    Traceback (most recent call last):
    ...
    pipenet.network._errors.PipeNetInputError: snap_tolerance must be a finite number of metres >= 0, not 'abc'.
    """
    number = value if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        else None
    if number is None or not np.isfinite(number) or number < 0:
        raise PipeNetInputError(f"{name} must be a finite number of metres >= 0, not {value!r}.", field_name=name)
    return float(number)


class Progress:
    """Progress and cancel hooks the core calls; adapters subclass it (QGIS feedback, tqdm ...)."""

    def set_progress(self, percent: float) -> None:
        """Report overall progress, 0 to 100."""

    def info(self, message: str) -> None:
        """Report a line of log text."""

    def warning(self, message: str) -> None:
        """Report a line of log text the user should read (an unusual value): as info unless overridden."""
        self.info(f"Warning: {message}")

    def is_cancelled(self) -> bool:
        """Tell whether the user asked to stop."""
        return False

    def check(self) -> None:
        """Raise Cancelled when the user asked to stop."""
        if self.is_cancelled():
            raise Cancelled("cancelled")


@dataclass(slots=True)
class PipeResult:
    """What the build decided for one pipe part (one output feature)."""

    fid: int
    part: int
    pipe_id: str
    from_node: Optional[str]
    to_node: Optional[str]
    reversed: bool
    direction_source: str
    length: float
    component: Optional[int] = None


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
        from .tables import GraphTable, table_of

        if self._graph is None:
            return self.table_cache
        self.table_cache = GraphTable(self._graph) if refresh else table_of(self._graph, self.table_cache)
        return self.table_cache

    # -- analyses (the Python API; each delegates to its module) ------------------------------------
    def components(self, fragment_size: int = 2, sinks_as_outlets: Optional[bool] = None):
        """Subnetworks, outlets and reachability (see connectivity.connectivity)."""
        from .connectivity import connectivity

        with gc_paused():
            return connectivity(self._graph, fragment_size, sinks_as_outlets, table=self.table())

    def upstream(self, node_ids, **options) -> dict:
        """{start: TraceResult} of an upstream trace from each node id (see trace.trace)."""
        from .trace import check_starts, trace

        return {n: trace(self.graph, n, "upstream", **options) for n in check_starts(self.graph, node_ids)}

    def downstream(self, node_ids, **options) -> dict:
        """{start: TraceResult} of a downstream trace from each node id, with paths to outlets."""
        from .trace import check_starts, trace

        return {n: trace(self.graph, n, "downstream", **options) for n in check_starts(self.graph, node_ids)}

    def accumulate(self, values: Optional[dict] = None):
        """Upstream length, nodes and summed values per pipe (see accumulate.accumulate)."""
        from .accumulate import accumulate

        with gc_paused():
            return accumulate(self._graph, values, table=self.table())

    def illicit_connections(self, evidence_distance: float = 5.0):
        """Cross-system connections and flow-path violations (see illicit.illicit_connections)."""
        from .illicit import illicit_connections

        with gc_paused():
            return illicit_connections(self._graph, self.pipe_coords, evidence_distance, table=self.table())

    def hydraulic_checks(self, tolerances=None) -> list:
        """Slope, diameter, invert, depth, loop and split findings (see hydraulics.hydraulic_checks)."""
        from .hydraulics import hydraulic_checks

        with gc_paused():
            return hydraulic_checks(self._graph, tolerances, table=self.table())

    def isolate(self, break_pipe: str, inoperable=()):
        """Isolation segment of a water-main break (see isolation.isolate)."""
        from .isolation import isolate

        return isolate(self.graph, break_pipe, inoperable)

    # -- GeoDataFrames (only for networks built from GeoDataFrames or files) -------------------------
    def pipes_frame(self):
        """Input pipes with pn_ columns, one row per part, as a GeoDataFrame in the input CRS."""
        from .io import pipes_frame

        return pipes_frame(self, self.sources["pipes"])

    def nodes_frame(self):
        """Nodes (input and virtual) with pn_ columns as a GeoDataFrame in the input CRS."""
        from .io import nodes_frame

        return nodes_frame(self)

    def findings_frame(self, findings: Optional[list] = None):
        """Findings (default: the build's topology findings) as a GeoDataFrame in the uniform schema."""
        from .io import findings_frame

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
        }
