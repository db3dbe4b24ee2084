"""Net3's valve segments as WNTR's ``valve_segments`` computes them, in plain networkx (no pytest,
no PipeNet): used by tests/network/test_isolation_wntr.py against PipeNet's isolation and by
tests/api/test_wntr_reference.py against WNTR itself, in the pip venv that has it."""

from pathlib import Path

import networkx as nx

NET3 = Path(__file__).resolve().parents[1] / "data" / "models" / "wntr_Net3.inp"


def links_from_text(path: Path) -> dict[str, tuple[str, str, str]]:
    """name -> (from, to, section) of every link, read straight from the .inp text."""
    links, section = {}, None
    for line in path.read_text(encoding="latin-1").splitlines():
        line = line.split(";", 1)[0].strip()
        if line.startswith("["):
            section = line.strip("[]").upper()
        elif line and section in ("PIPES", "PUMPS", "VALVES"):
            fields = line.split()
            links[fields[0]] = (fields[1], fields[2], section)
    return links


def valve_layer(links: dict) -> set[tuple[str, str]]:
    """A valve at each end of every 5th pipe: (link, node) pairs, as WNTR's valve layer."""
    pipes = [name for name, (_, _, section) in links.items() if section == "PIPES"]
    return {(name, node) for name in pipes[::5] for node in links[name][:2]}


def reference_segments(links: dict, valves: set) -> dict[str, set]:
    graph = nx.Graph()
    for name, (start, end, _) in links.items():
        for node in (start, end):
            if (name, node) not in valves:
                graph.add_edge(("link", name), ("node", node))
            else:
                graph.add_node(("link", name))
                graph.add_node(("node", node))
    return {member[1]: component for component in nx.connected_components(graph)
            for member in component if member[0] == "link"}
