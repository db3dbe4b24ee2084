"""Plain data types the core works on: input records, build options, progress and errors."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional, Sequence

import networkx as nx
import numpy as np

from .._errors import PipeNetInputError


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
    # cut lines where a node, or another pipe's end, lies on their interior within the snapping
    # tolerance (lines drawn through manholes, laterals ending on a main: build/planar.py)
    split_at_nodes: bool = True
    # keep pipes whose status reads abandoned / removed / proposed / 废弃 / 拟建 / 停用 ... in the graph
    # (by default they are left out, counted in the summary and written with pn_comp NULL and
    # pn_dir_src 'inactive')
    keep_inactive: bool = False
    # whether the id columns name nothing, being mostly repeated (OBJECTID 0 on every feature:
    # build/attributes.py's rules); None: judged on the layers read. A partition of a layer is told the
    # whole layer's answer, which its few rows could judge otherwise.
    pipe_ids_name_nothing: Optional[bool] = None
    node_ids_name_nothing: Optional[bool] = None
    # whether the diameter column is empty on every pipe of the layer (one finding for the layer, not one
    # per pipe); None: judged on the layer read. A partition is told, and the driver reports it.
    diameters_blank: Optional[bool] = None
    # False: pipe_fields and node_fields are the whole mapping, nothing more is looked for by name or
    # content (a partition of a layer is given the mapping detected for the whole layer)
    detect_fields: bool = True

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


class DirectionSource(str, Enum):
    """Why a pipe runs the way it does (``direction_source``, written as ``pn_dir_src``), in the order the
    build asks (build/builder.py's table, docs/network-building.md). The columns and outputs hold the
    plain ``.value``; a member compares equal to it."""

    FIELD = "field"  # a flow-direction field (流向) says forward / reverse
    IDS = "ids"  # the from/to node ids name nodes of the node layer: from -> to
    INVERT = "invert"  # neither: the inverts (or ground - depth) decide, downhill
    NETWORK = "network"  # inverts that would cut water off from its typed outlet (a sag): the network's way
    DIGITISED = "digitised"  # nothing else: as the line is drawn
    INACTIVE = "inactive"  # left out of the graph by its status (abandoned, proposed ...)
    NONE = ""  # left out of the graph by its geometry (none, zero length): no direction


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
    # a piece of a line cut at a node or a pipe end (pn_part numbers the pieces): the input part it
    # comes from, the cut points at its start and end in working coordinates (None: the part's own
    # end) and its share of the feature's drawn length (an attribute length is apportioned by it)
    source_part: int = 0
    cut: Optional[tuple] = None
    share: float = 1.0

    @property
    def geometry_part(self) -> int:
        """The input part (1-based) the output geometry comes from."""
        return self.source_part or self.part
