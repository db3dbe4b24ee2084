"""The partition plan: one metric CRS, fields read once, global ids, groups, packing and halos."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from ..audit import AuditOptions
from ..model.columns import LineColumns, PointColumns
from ..model.findings import Finding
from ..model.records import BuildOptions
from .halo import feature_boxes, halo_members
from .packing import hilbert_packing, random_packing
from .skeleton import group_centres, proximity_groups

PACKINGS = ("hilbert", "random")


@dataclass
class Plan:
    """Which partition owns each pipe and node, and which foreign ones each takes along as its halo."""

    partitions: int
    pipe_partition: np.ndarray
    node_partition: np.ndarray
    halo_pipes: list            # per partition: foreign pipe rows (ascending)
    halo_nodes: list
    groups: int
    halo_radius: float
    findings: list[Finding] = field(default_factory=list)  # the global steps' own (duplicate ids)
    build_options: Optional[BuildOptions] = None
    _halo_sorted: dict = field(default_factory=dict, repr=False)  # destinations' index, made when first used

    def destinations(self, kind: str, fids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``fids``, partition) of every copy of the features ``fids`` (global rows of one
        batch: consecutive, ascending): the owner's, then one per partition taking it along as halo."""
        owner = (self.pipe_partition if kind == "line" else self.node_partition)[fids]
        if not len(fids):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        rows, partitions = self._halo_index(kind)
        start, stop = np.searchsorted(rows, [fids[0], fids[-1] + 1])
        return (np.concatenate([np.arange(len(fids)), rows[start:stop] - fids[0]]),
                np.concatenate([owner, partitions[start:stop]]).astype(np.int64))

    def _halo_index(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(halo rows sorted, the partition taking each along) of pipes or nodes, made once."""
        if kind not in self._halo_sorted:
            halos = self.halo_pipes if kind == "line" else self.halo_nodes
            rows = np.concatenate([np.asarray(h, dtype=np.int64) for h in halos] + [np.empty(0, np.int64)])
            partitions = np.repeat(np.arange(len(halos)), [len(h) for h in halos])
            order = np.argsort(rows, kind="stable")
            self._halo_sorted[kind] = (rows[order], partitions[order])
        return self._halo_sorted[kind]

    def rows(self, number: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(pipe rows, owned mask, node rows, owned mask) of a partition, rows ascending."""
        pipes = np.union1d(np.flatnonzero(self.pipe_partition == number), self.halo_pipes[number])
        nodes = np.union1d(np.flatnonzero(self.node_partition == number), self.halo_nodes[number])
        return pipes, self.pipe_partition[pipes] == number, nodes, self.node_partition[nodes] == number


def halo_radius(build: BuildOptions, audit: AuditOptions) -> float:
    """The largest distance a check looks past a feature's own group (near misses, the illicit-connection
    evidence), plus twice the snapping tolerance so that what lies there comes with the node it snaps to."""
    return max(build.near_miss_distance, audit.evidence_distance) + 2.0 * build.snap_tolerance


def fixed_fields(pipes: LineColumns, nodes: Optional[PointColumns], options: BuildOptions) -> BuildOptions:
    """The build options with the field mapping detected once over the whole layers (a partition's few
    rows must not detect other fields by their content)."""
    from ..build.builder import _detect_fields
    from ..build.fields import load_aliases

    pipe_mapping, node_mapping, _ = _detect_fields(pipes, nodes, options, load_aliases(options.aliases_path))
    return replace(options, pipe_fields={**pipe_mapping, **options.pipe_fields},
                   node_fields={**node_mapping, **options.node_fields}, detect_fields=False)


def make_plan(skeleton, partitions: int, build: BuildOptions, audit: AuditOptions, packing: str = "hilbert",
              halo: bool = True, seed: int = 0) -> Plan:
    """Partition the layers of ``skeleton`` (source.Skeleton: geometry, ids, duplicates found; ``build``
    with its fields fixed): proximity groups packed into ``partitions``, the halo of each found."""
    if packing not in PACKINGS:
        raise ValueError(f"packing must be one of {PACKINGS}, not {packing!r}")
    pipes, nodes = skeleton.pipes, skeleton.nodes
    groups = proximity_groups(pipes, nodes, build.snap_tolerance, links=skeleton.links)
    weights = groups.weights()
    if packing == "hilbert":
        place = hilbert_packing(group_centres(pipes, nodes, groups), weights, partitions)
    else:
        place = random_packing(weights, partitions, seed)
    pipe_partition, node_partition = place[groups.pipe], place[groups.node]
    radius = halo_radius(build, audit) if halo else 0.0
    halo_pipes = [np.empty(0, dtype=np.int64) for _ in range(partitions)]
    halo_nodes = [np.empty(0, dtype=np.int64) for _ in range(partitions)]
    if radius > 0 and partitions > 1:
        pipe_boxes, node_boxes = feature_boxes(pipes, nodes)
        feature, partition = halo_members(np.concatenate([pipe_boxes, node_boxes]),
                                          np.concatenate([pipe_partition, node_partition]), radius,
                                          reach=2.0 * build.snap_tolerance)
        for number in range(partitions):
            mine = feature[partition == number]
            halo_pipes[number] = np.sort(mine[mine < pipes.count])
            halo_nodes[number] = np.sort(mine[mine >= pipes.count] - pipes.count)
    return Plan(partitions, pipe_partition, node_partition, halo_pipes, halo_nodes, groups.count, radius,
                list(skeleton.findings), build)
