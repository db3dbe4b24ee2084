"""A graph's pipes and nodes as arrays, taken out once, so whole-network checks run as numpy operations."""

from __future__ import annotations

from typing import Any, Optional

import networkx as nx
import numpy as np

from .columns import object_array


class GraphTable:
    """Positions of nodes, (from, to) node positions of pipes and attribute columns on demand.

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("A", "B", key="P1", diameter=300.0)
    >>> table = GraphTable(g)
    >>> table.source.tolist(), table.target.tolist(), table.edge_numbers("diameter").tolist()
    ([0], [1], [300.0])
    """

    def __init__(self, graph: nx.MultiDiGraph, edges: Optional[list] = None):
        self.graph = graph
        self.names = list(graph.nodes)
        self.index = {name: position for position, name in enumerate(self.names)}
        self.node_data = [graph.nodes[name] for name in self.names]
        edges = list(graph.edges(keys=True, data=True)) if edges is None else edges
        self.keys = [key for _, _, key, _ in edges]
        self.edge_data = [data for _, _, _, data in edges]
        index = self.index
        self.source = np.fromiter((index[u] for u, _, _, _ in edges), dtype=np.int64, count=len(edges))
        self.target = np.fromiter((index[v] for _, v, _, _ in edges), dtype=np.int64, count=len(edges))

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.names)

    def edge_numbers(self, name: str) -> np.ndarray:
        """A numeric pipe attribute as floats (NaN where missing)."""
        return _floats(data.get(name) for data in self.edge_data)

    def edge_values(self, name: str, default: Any = None) -> np.ndarray:
        """Any pipe attribute as an object array."""
        return object_array([data.get(name, default) for data in self.edge_data])

    def node_numbers(self, name: str) -> np.ndarray:
        """A numeric node attribute as floats (NaN where missing)."""
        return _floats(data.get(name) for data in self.node_data)

    def node_values(self, name: str, default: Any = None) -> np.ndarray:
        """Any node attribute as an object array."""
        return object_array([data.get(name, default) for data in self.node_data])

    def node_xy(self, position: int) -> Optional[tuple[float, float]]:
        """A node's location (None when the graph has none)."""
        data = self.node_data[position]
        return (data["x"], data["y"]) if "x" in data else None


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)
