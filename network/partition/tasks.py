"""What the Dask workers run, in two rounds, so that no result of a partition passes through the driver.

1. ``audit_task``: read the partition's GeoParquet pieces, run the core's audit (worker.audit_partition),
   keep the whole result on the shared folder and send back only what the global steps need
   (PartitionSummary: virtual junction keys, subnetwork sizes, hotspot moments, the longest upstream
   length, the risk data present, the findings on no feature).
2. ``finish_task``: with the global names, numbers and moments (merge.py), turn the kept result into the
   partition's part of the output: pipes, nodes and findings as GeoParquet in the input CRS, which the
   driver then appends to the GeoPackage (output.py).
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..audit import AuditOptions
from ..checks.hydraulics import LAYER_PIPES
from ..model.findings import Check, Finding
from ..model.records import BuildOptions
from ..scoring.risk import risk_many
from .parquet import read_partition
from .worker import GravityPipes, PartitionResult, audit_partition, names_a_feature


@dataclass
class PartitionSummary:
    """What a partition's audit tells the driver (small: nothing per pipe)."""

    number: int
    pipes: int                       # graph edges owned
    nodes: int
    virtual_names: list              # local names of the virtual junctions it saw (owned and halo)
    virtual_keys: np.ndarray         # the key of each one's first pipe end (worker._virtual_keys)
    virtual_owned: np.ndarray        # bool: an owned node
    virtual_component: np.ndarray    # local subnetwork of the owned ones (-1 for halo)
    component_pipes: np.ndarray      # per local subnetwork number: owned pipes, owned nodes, and the
    component_nodes: np.ndarray      # smallest real (not virtual) node name ("" when none)
    component_smallest: list
    reserved_names: set              # real node names a virtual name could take (V...)
    moments: dict                    # hotspot kind -> (pieces, Σx, Σx²)
    max_upstream: float
    risk_missing: list               # the risk data this partition has none of
    layer_findings: list[Finding]    # findings on no feature of the network (merged once)
    gravity: GravityPipes            # its own gravity pipes (per_pipe left out), for the layer's inverts rule
    owned_pipe_features: int = 0
    halo_pipe_features: int = 0
    halo_node_features: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0


@dataclass
class Globals:
    """What every partition's second round needs of the whole network."""

    names: dict                       # local virtual name -> global name (this partition's)
    components: np.ndarray            # local subnetwork number -> global number
    moments: dict = field(default_factory=dict)
    max_upstream: float = 0.0
    kinds: tuple = ()
    weights: Any = None
    input_crs: Any = None
    metric_crs: Any = None
    inverts_in_layer: bool = True     # some gravity pipe has an invert: missing ones are reported pipe by pipe


@dataclass
class KeptResult:
    """A partition's audit between the rounds, on the shared folder: the result and the input's attributes
    of its own pipes (in the result's pipe order), which its output carries."""

    result: PartitionResult
    field_names: list
    attrs: dict


def _kept(work: str, number: int) -> str:
    return os.path.join(work, f"result_{number:04d}.pickle")


def audit_task(number: int, pipe_pieces: list, node_pieces: list, build: BuildOptions, audit: AuditOptions,
               defects: list, events: list, kinds: tuple, work: str, fields: dict) -> PartitionSummary:
    """Round 1 on a worker: the partition's audit, kept in ``work``; its summary returned. ``fields``: the
    layers' field names by kind (a partition given no row of a layer gets it empty, not missing)."""
    from ..model.columns import LineColumns, PointColumns, object_array

    pipes, owned_pipes = read_partition(pipe_pieces, "line")
    nodes, owned_nodes = read_partition(node_pieces, "point")
    if pipes is None:
        names = fields.get("line", [])
        pipes = LineColumns("pipes", names, np.empty(0, np.int64), {n: object_array([]) for n in names},
                            np.empty(0, np.int64), np.empty(0, np.int64), np.zeros(1, np.int64), np.empty((0, 2)))
        owned_pipes = np.empty(0, dtype=bool)
    if nodes is None and "point" in fields:
        names = fields["point"]
        nodes = PointColumns("nodes", names, np.empty(0, np.int64), {n: object_array([]) for n in names},
                             np.empty((0, 2)))
        owned_nodes = np.empty(0, dtype=bool)
    result = audit_partition(number, pipes, nodes, owned_pipes, owned_nodes, build, audit, defects, events, kinds)
    row = np.searchsorted(pipes.fids, np.asarray(result.pipes["fid"], dtype=np.int64))
    attrs = {name: pipes.attrs[name][row] for name in pipes.field_names}
    local_names = set(result.pipes["key"]) | set(result.nodes["name"])
    names = result.nodes["name"]
    # the register's "no data" finding and the "no inverts" one are the whole network's (merge.risk_no_data,
    # merge.missing_inverts), never a partition's
    findings = [f for f in result.findings if f.check != Check.RISK_NO_DATA
                and not (f.check == Check.MISSING_INVERT and f.feature_id == LAYER_PIPES)]
    layer = [f for f in findings if not names_a_feature(f, local_names)]
    result.findings = [f for f in findings if names_a_feature(f, local_names)]
    with open(_kept(work, number) + ".partial", "wb") as handle:
        pickle.dump(KeptResult(result, list(pipes.field_names), attrs), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(_kept(work, number) + ".partial", _kept(work, number))
    return summarise(result, names, layer)


def summarise(result: PartitionResult, names: list, layer: list) -> PartitionSummary:
    """The PartitionSummary of a partition's result."""
    virtual = np.asarray(result.nodes["virtual"], dtype=bool)
    component = np.asarray(result.nodes["component"], dtype=np.int64)
    pipe_component = np.asarray(result.pipes["component"], dtype=np.int64)
    size = int(max(component.max(initial=-1), pipe_component.max(initial=-1))) + 1
    smallest = [""] * size
    for name, local, is_virtual in zip(names, component.tolist(), virtual.tolist()):
        if not is_virtual and (not smallest[local] or name < smallest[local]):
            smallest[local] = name
    owned_component = {name: local for name, local, v in zip(names, component.tolist(), virtual.tolist()) if v}
    virtual_names = list(result.virtual_keys)
    moments = {kind: (len(piece["x"]), piece["x"].sum(), (piece["x"] * piece["x"]).sum())
               for kind, piece in result.hotspots.items()}
    p = result.pipes
    risk = risk_many(p["key"], p["grade"], p["install_year"], p["material"], p["defects"], p["diameter"],
                     p["upstream"], p["system"])
    return PartitionSummary(
        number=result.number, pipes=len(p["key"]), nodes=len(names), virtual_names=virtual_names,
        virtual_keys=np.array([result.virtual_keys[n] for n in virtual_names], dtype=np.int64),
        virtual_owned=np.array([n in owned_component for n in virtual_names], dtype=bool),
        virtual_component=np.array([owned_component.get(n, -1) for n in virtual_names], dtype=np.int64),
        component_pipes=np.bincount(pipe_component, minlength=size),
        component_nodes=np.bincount(component, minlength=size), component_smallest=smallest,
        reserved_names={n for n, v in zip(names, virtual.tolist()) if not v and n.startswith("V")},
        moments=moments, max_upstream=float(np.max(p["upstream"], initial=0.0)), risk_missing=list(risk.missing),
        layer_findings=layer, gravity=replace(result.gravity, per_pipe=[]),
        owned_pipe_features=result.owned_pipe_features,
        halo_pipe_features=result.halo_pipe_features, halo_node_features=result.halo_node_features,
        seconds=result.seconds, peak_mb=result.peak_mb)


def finish_task(number: int, work: str, out: str, shared: Globals) -> dict:
    """Round 2 on a worker: the kept result with global names, numbers, hotspot z and risk, written as the
    partition's GeoParquet output (pipes, nodes, findings; input CRS). Returns counts for the summary."""
    from .output import write_partition_output

    with open(_kept(work, number), "rb") as handle:
        kept = pickle.load(handle)
    if shared.inverts_in_layer:
        kept.result.findings.extend(kept.result.gravity.per_pipe)
    counts = write_partition_output(kept.result, kept.field_names, kept.attrs, shared, out)
    os.remove(_kept(work, number))
    return counts
