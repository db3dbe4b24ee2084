"""A graph's pipes and nodes as arrays, taken out once, so whole-network checks run as numpy operations."""

from __future__ import annotations

from typing import Any, Optional

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix

from .columns import object_array, ranges
from .rows import Row, Rows


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
        self._nodes = None
        self.names = list(graph.nodes)
        self.index = {name: position for position, name in enumerate(self.names)}
        self.node_data = [graph.nodes[name] for name in self.names]
        edges = list(graph.edges(keys=True, data=True)) if edges is None else edges
        self.keys = [key for _, _, key, _ in edges]
        self.edge_data = [data for _, _, _, data in edges]
        index = self.index
        self.source = np.fromiter((index[u] for u, _, _, _ in edges), dtype=np.int64, count=len(edges))
        self.target = np.fromiter((index[v] for _, v, _, _ in edges), dtype=np.int64, count=len(edges))
        self._edge_rows = _shared_rows(self.edge_data)
        self._node_rows = _shared_rows(self.node_data)

    @classmethod
    def from_parts(cls, graph: nx.MultiDiGraph, names: list, keys: list, source: np.ndarray, target: np.ndarray,
                   node_data: list, edge_data: list) -> GraphTable:
        """A table of a graph the build has just made from these very arrays (no walk over the graph)."""
        table = cls.__new__(cls)
        table._index = None
        table.graph, table.names, table.keys = graph, names, keys
        table.node_data, table.edge_data = node_data, edge_data
        table.source, table.target = source, target
        table._edge_rows = (edge_data[0].rows, np.arange(len(edge_data))) if edge_data else None
        table._node_rows = (node_data[0].rows, np.arange(len(node_data))) if node_data else None
        table._nodes = len(graph)
        return table

    def matches(self, graph: nx.MultiDiGraph) -> bool:
        """Whether this is the build's table of ``graph`` and the graph has as many nodes as then.

        Counting pipes costs a walk over the whole graph, so pipes added or removed by hand go
        unnoticed: ask Network.table(refresh=True) after such edits. Attribute edits need nothing:
        the table reads the same columns as the graph.
        """
        return self.graph is graph and getattr(self, "_nodes", None) == len(graph)

    def subset(self, rows: np.ndarray) -> GraphTable:
        """The same nodes with only the pipes at ``rows``."""
        table = GraphTable.__new__(GraphTable)
        table._index = self._index
        table.graph, table.names, table.node_data = self.graph, self.names, self.node_data
        table._node_rows = self._node_rows
        table.keys = [self.keys[r] for r in rows.tolist()]
        table.edge_data = [self.edge_data[r] for r in rows.tolist()]
        table.source, table.target = self.source[rows], self.target[rows]
        table._edge_rows = (self._edge_rows[0], self._edge_rows[1][rows]) if self._edge_rows else None
        return table

    @property
    def index(self) -> dict:
        """Node name -> position (made when first asked)."""
        if self._index is None:
            self._index = dict(zip(self.names, range(len(self.names))))
        return self._index

    @index.setter
    def index(self, value: dict) -> None:
        self._index = value

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.names)

    def edge_numbers(self, name: str) -> np.ndarray:
        """A numeric pipe attribute as floats (NaN where missing)."""
        return _numbers(self._edge_rows, self.edge_data, name)

    def edge_values(self, name: str, default: Any = None) -> np.ndarray:
        """Any pipe attribute as an object array."""
        return _values(self._edge_rows, self.edge_data, name, default)

    def node_numbers(self, name: str) -> np.ndarray:
        """A numeric node attribute as floats (NaN where missing)."""
        return _numbers(self._node_rows, self.node_data, name)

    def node_values(self, name: str, default: Any = None) -> np.ndarray:
        """Any node attribute as an object array."""
        return _values(self._node_rows, self.node_data, name, default)

    def edge_position(self, key: str) -> int:
        """Position of a pipe in the table by its id."""
        if getattr(self, "_key_index", None) is None:
            self._key_index = {k: position for position, k in enumerate(self.keys)}
        return self._key_index[key]

    def node_coordinates(self) -> np.ndarray:
        """x/y of every node, shape (nodes, 2), NaN where a node has no location."""
        return np.stack([self.node_numbers("x"), self.node_numbers("y")], axis=1).reshape(-1, 2)

    def node_xy(self, position: int) -> Optional[tuple[float, float]]:
        """A node's location (None when the graph has none)."""
        data = self.node_data[position]
        return (data["x"], data["y"]) if "x" in data else None


def min_matrix(rows: np.ndarray, columns: np.ndarray, values: np.ndarray, size: int) -> csr_matrix:
    """A sparse matrix keeping the smallest value of repeated (row, column) pairs."""
    order = np.lexsort((values, columns, rows))
    rows, columns, values = rows[order], columns[order], values[order]
    first = np.concatenate([[True], (rows[1:] != rows[:-1]) | (columns[1:] != columns[:-1])]) if len(rows) \
        else np.empty(0, dtype=bool)
    return csr_matrix((values[first], (rows[first], columns[first])), shape=(size, size))


def table_of(graph: nx.MultiDiGraph, table: Optional[GraphTable] = None) -> GraphTable:
    """``table`` when it still describes ``graph``, else a fresh table of the graph."""
    return table if table is not None and table.matches(graph) else GraphTable(graph)


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _shared_rows(datas: list) -> Optional[tuple[Rows, np.ndarray]]:
    """(the Rows table, row positions) when every data mapping is a row of one table, else None."""
    if not datas or type(datas[0]) is not Row:
        return None
    rows = datas[0].rows
    if not all(type(d) is Row and d.rows is rows for d in datas):
        return None
    return rows, np.fromiter((d.index for d in datas), dtype=np.int64, count=len(datas))


def _numbers(shared, datas: list, name: str) -> np.ndarray:
    column = shared[0].column(name, shared[1]) if shared else None
    if column is not None and column.dtype.kind in "fiub":
        return column.astype(float)
    return _floats(data.get(name) for data in datas)


def _values(shared, datas: list, name: str, default: Any) -> np.ndarray:
    column = shared[0].column(name, shared[1]) if shared else None
    if column is not None and column.dtype == object:
        return column
    if column is not None and column.dtype.kind in "iub" and name not in shared[0].converters_special():
        return object_array(column.tolist())  # plain ints and bools, as the rows give them
    if column is not None and column.dtype.kind == "f" and name not in shared[0].converters_special():
        return object_array([None if v != v else v for v in column.tolist()])
    return object_array([data.get(name, default) for data in datas])


def reachable(successors, starts: np.ndarray, groups: int) -> np.ndarray:
    """Nodes reachable from any of ``starts`` (themselves included)."""
    reached = np.zeros(groups, dtype=bool)
    if not len(starts):
        return reached
    reached[starts] = True
    frontier = starts
    while len(frontier):
        following = successors.indices[ranges(successors.indptr[frontier],
                                              np.diff(successors.indptr)[frontier])]
        following = np.unique(following[~reached[following]])
        reached[following] = True
        frontier = following
    return reached
