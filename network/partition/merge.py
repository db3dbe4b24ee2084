"""The global steps outside the partitions: ids, names and numbers in global order, the risk register.

- duplicate ids: found over the whole layer before partitioning (``global_duplicates``); the later
  copies are renamed ``id#dupN`` exactly as the build renames them, so no partition sees a clash;
- virtual junctions: named V1, V2 ... by their first pipe end in input order over all partitions;
- subnetworks: numbered 1..n over all partitions, largest (pipes, then nodes) first, then by the
  smallest node name, as ``build/topology.component_ids`` numbers them;
- the risk register: scored once over every pipe, so the length served is scaled by the global maximum.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

import numpy as np

from ..model.columns import LineColumns, PointColumns, midpoints, object_array, occurrence
from ..model.findings import Check, Finding, make_finding
from ..scoring.risk import RiskRegister, RiskWeights, risk_many
from .worker import PartitionResult


def global_duplicates(pipes: LineColumns, nodes: Optional[PointColumns], pipe_id: Optional[str],
                      node_id: Optional[str]) -> list[Finding]:
    """Rename repeated pipe and node ids ``id#dupN`` in place (the first keeps its id) and report them
    as the build does (``duplicate_id``), over the whole layer: partitions then never see a clash."""
    findings: list[Finding] = []
    if nodes is not None and node_id and node_id in nodes.attrs:
        located = np.flatnonzero(np.isfinite(nodes.xy).all(axis=1))
        raw = nodes.attrs[node_id]
        ids = object_array([None if raw[i] is None else str(raw[i]) for i in located.tolist()])
        given = np.array([v is not None for v in ids.tolist()], dtype=bool)
        rank, _ = occurrence(ids, ids=True)
        values = raw.astype(object)
        for position in np.flatnonzero((rank > 0) & given).tolist():
            row = int(located[position])
            findings.append(make_finding(Check.DUPLICATE_ID, ids[position], int(nodes.fids[row]), value=ids[position],
                                         xy=tuple(nodes.xy[row])))
            values[row] = f"{ids[position]}#dup{rank[position] + 1}"
        nodes.attrs[node_id] = values
    if pipe_id and pipe_id in pipes.attrs:
        parts = np.bincount(pipes.part_feature, minlength=pipes.count)
        single = np.flatnonzero(parts == 1)  # a multi-part feature's parts are id#1, id#2 ...: not clashes here
        part_of = np.full(pipes.count, -1, dtype=np.int64)
        part_of[pipes.part_feature] = np.arange(len(pipes.part_feature))
        raw = pipes.attrs[pipe_id]
        ids = object_array([None if raw[i] is None else str(raw[i]) for i in single.tolist()])
        given = np.array([v is not None for v in ids.tolist()], dtype=bool)
        rank, _ = occurrence(ids, ids=True)
        values = raw.astype(object)
        middles = midpoints(pipes.xy, pipes.offsets)
        for position in np.flatnonzero((rank > 0) & given).tolist():
            row = int(single[position])
            findings.append(make_finding(Check.DUPLICATE_ID, ids[position], int(pipes.fids[row]), value=ids[position],
                                         kind="pipe", xy=tuple(middles[part_of[row]])))
            values[row] = f"{ids[position]}#dup{rank[position] + 1}"
        pipes.attrs[pipe_id] = values
    return findings


def virtual_names(results: list[PartitionResult], taken: set) -> list[dict]:
    """Per partition, local virtual name -> global name: V1, V2 ... by first pipe end in input order,
    a name taken by a real node getting ``_pn`` as in the build."""
    owned = []
    for number, result in enumerate(results):
        names = set(result.nodes["name"])  # once per partition, not per virtual name
        owned += [(key, number, name) for name, key in result.virtual_keys.items() if name in names]
    owned.sort()
    by_key: dict[int, str] = {}
    for count, (key, _, _) in enumerate(owned, start=1):
        name = f"V{count}"
        while name in taken:
            name += "_pn"
        by_key[key] = name
    return [{name: by_key[key] for name, key in result.virtual_keys.items() if key in by_key} for result in results]


def rename_findings(findings: list[Finding], mapping: dict) -> list[Finding]:
    """The findings with local virtual names replaced by global ones (ids, values, messages)."""
    if not mapping:
        return list(findings)
    pattern = re.compile(r"(?<![\w#])(" + "|".join(re.escape(n) for n in sorted(mapping, key=len, reverse=True))
                         + r")(?![\w#])")

    def swap(text):
        return pattern.sub(lambda match: mapping[match.group(1)], text) if isinstance(text, str) else text
    return [replace(f, feature_id=swap(f.feature_id), value=swap(f.value), message_en=swap(f.message_en),
                    message_zh=swap(f.message_zh), extra={k: swap(v) for k, v in f.extra.items()})
            for f in findings]


def component_numbers(partition_of_node: np.ndarray, node_component: np.ndarray, node_names: list,
                      partition_of_pipe: np.ndarray, pipe_component: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global subnetwork numbers of the nodes and pipes given each partition's own numbers: 1..n, most
    pipes first, then most nodes, then the smallest node name (build/topology.component_ids)."""
    width = int(max(node_component.max(initial=0), pipe_component.max(initial=0))) + 1
    node_key = partition_of_node.astype(np.int64) * width + node_component.astype(np.int64)
    pipe_key = partition_of_pipe.astype(np.int64) * width + pipe_component.astype(np.int64)
    distinct, node_label = np.unique(node_key, return_inverse=True)
    pipe_label = np.searchsorted(distinct, pipe_key)
    number = len(distinct)
    pipes = np.bincount(pipe_label, minlength=number)
    nodes = np.bincount(node_label, minlength=number)
    name_rank = np.empty(len(node_names), dtype=np.int64)
    name_rank[np.argsort(np.array(node_names, dtype=str), kind="stable")] = np.arange(len(node_names))
    smallest = np.full(number, len(node_names), dtype=np.int64)
    np.minimum.at(smallest, node_label, name_rank)
    order = np.lexsort((smallest, -nodes, -pipes))
    rank = np.empty(number, dtype=np.int64)
    rank[order] = np.arange(1, number + 1)
    return rank[node_label], rank[pipe_label]


def global_risk(pipes: dict, weights: Optional[RiskWeights] = None) -> RiskRegister:
    """The risk register over every pipe at once (what run_audit scores, scaled by the global maxima)."""
    return risk_many(pipes["key"], pipes["grade"], pipes["install_year"], pipes["material"], pipes["defects"],
                     pipes["diameter"], pipes["upstream"], pipes["system"], weights)


def layer_findings(findings: list[Finding], names: set) -> tuple[list[Finding], list[Finding]]:
    """(findings on features, findings on a whole layer met once however many partitions report them)."""
    on_features, layer, seen = [], [], set()
    for finding in findings:
        if finding.feature_id in names:
            on_features.append(finding)
        elif (finding.check, finding.feature_id, finding.value) not in seen:
            seen.add((finding.check, finding.feature_id, finding.value))
            layer.append(finding)
    return on_features, layer
