"""The global steps between the partitions' two rounds (tasks.py), from their summaries alone:

- virtual junctions: named V1, V2 ... by their first pipe end in input order over all partitions;
- subnetworks: numbered 1..n over all partitions, largest (pipes, then nodes) first, then by the
  smallest node name, as ``build/topology.component_ids`` numbers them;
- hotspots: the number of pieces, Σx and Σx² over all partitions (Gi*'s mean and spread);
- the risk register: the length served scaled by the longest over every pipe, and the data no partition
  has (the register's note);
- inverts: whether any gravity pipe has one (else one finding for the layer, not one per pipe).

Duplicate ids are found before the partitions, over the whole layer (source.read_skeleton).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

import numpy as np

from ..checks.hydraulics import no_inverts_finding
from ..model.findings import Check, Finding, make_finding
from ..scoring.risk import LIKELIHOOD_DATA


def virtual_names(summaries: list, reserved: set) -> list[dict]:
    """Per partition, local virtual name -> global name: V1, V2 ... by first pipe end in input order over
    the owned virtual junctions of every partition, a name taken by a real node getting ``_pn`` as in the
    build. A halo junction gets the name its owner's gives it (the same first pipe end)."""
    keys = np.concatenate([s.virtual_keys[s.virtual_owned] for s in summaries] + [np.empty(0, np.int64)])
    keys.sort()
    names = []
    for summary in summaries:
        at = np.searchsorted(keys, summary.virtual_keys)
        found = (at < len(keys)) & (keys[np.minimum(at, max(len(keys) - 1, 0))] == summary.virtual_keys) \
            if len(keys) else np.zeros(len(summary.virtual_keys), dtype=bool)
        mapping = {}
        for local, number in zip(np.asarray(summary.virtual_names, dtype=object)[found].tolist(),
                                 (at[found] + 1).tolist()):
            name = f"V{number}"
            while name in reserved:
                name += "_pn"
            mapping[local] = name
        names.append(mapping)
    return names


def component_numbers(summaries: list, names: list[dict]) -> list[np.ndarray]:
    """Per partition, local subnetwork number -> global number: 1..n over all partitions, most pipes
    first, then most nodes, then the smallest node name (build/topology.component_ids)."""
    pipes, nodes, smallest = [], [], []
    for summary, mapping in zip(summaries, names):
        least = list(summary.component_smallest)
        owned = np.flatnonzero(summary.virtual_owned).tolist()
        for index in owned:  # the virtual junctions' global names count too
            local, name = int(summary.virtual_component[index]), mapping[summary.virtual_names[index]]
            if not least[local] or name < least[local]:
                least[local] = name
        pipes.append(summary.component_pipes)
        nodes.append(summary.component_nodes)
        smallest += least
    pipes_all = np.concatenate(pipes + [np.empty(0, np.int64)])
    nodes_all = np.concatenate(nodes + [np.empty(0, np.int64)])
    text = np.array(smallest, dtype=str) if smallest else np.empty(0, dtype=str)
    name_rank = np.empty(len(text), dtype=np.int64)
    name_rank[np.argsort(text, kind="stable")] = np.arange(len(text))
    name_rank[(text == "") | (nodes_all == 0)] = len(text)  # no node: after every name
    order = np.lexsort((name_rank, -nodes_all, -pipes_all))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    bounds = np.cumsum([0] + [len(p) for p in pipes])
    return [rank[bounds[i]:bounds[i + 1]] for i in range(len(pipes))]


def global_moments(summaries: list, kinds: tuple) -> dict:
    """Per hotspot kind, (pieces, Σx, Σx²) over every partition: the first pass of Gi*'s sums."""
    return {kind: (sum(s.moments[kind][0] for s in summaries), float(sum(s.moments[kind][1] for s in summaries)),
                   float(sum(s.moments[kind][2] for s in summaries))) for kind in kinds}


def risk_no_data(summaries: list) -> Optional[Finding]:
    """The register's note of the whole network (scoring/risk.risk_many's rule): the data no partition
    has, and a finding when that leaves nothing to rank the likelihood of failure by."""
    if not sum(s.pipes for s in summaries):
        return None
    missing = [name for name in summaries[0].risk_missing if all(name in s.risk_missing for s in summaries)]
    if set(LIKELIHOOD_DATA) <= set(missing):
        return make_finding(Check.RISK_NO_DATA, "(pipes layer)", None, value=", ".join(missing))
    return None


def missing_inverts(summaries: list) -> tuple[bool, Optional[Finding]]:
    """Whether any gravity pipe of the whole network has an invert, and, where none has, the one finding
    that says so (checks/hydraulics.py's rule), placed at the first gravity pipe in the network's order."""
    inverts = any(s.gravity.has_inverts for s in summaries)
    counted = [s.gravity for s in summaries if s.gravity.count]
    if inverts or not counted:
        return inverts, None
    first = min(counted, key=lambda gravity: gravity.first_fid)
    return False, no_inverts_finding(sum(gravity.count for gravity in counted), first.first_xy)


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


def layer_findings(findings: list[Finding]) -> list[Finding]:
    """The partitions' findings on no feature of the network: each one naming a whole layer ('(pipes
    layer)') met once however many partitions report it; the rest (a CCTV defect naming no pipe: each
    defect goes to one partition) all kept, as run_audit reports one per defect."""
    layer, seen = [], set()
    for finding in findings:
        whole = finding.feature_id.startswith("(") and finding.feature_id.endswith("layer)")
        if not whole or (finding.check, finding.feature_id, finding.value) not in seen:
            seen.add((finding.check, finding.feature_id, finding.value))
            layer.append(finding)
    return layer
