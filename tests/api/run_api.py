"""Run the Python API on a data set in an interpreter where qgis cannot be imported; print JSON.

Usage: python -P run_api.py <checkout> <pipes> [<nodes>]
"""

import importlib.util
import json
import sys


class BlockQgis:
    """Make any import of qgis or PyQt fail, as on a server without QGIS."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("qgis", "PyQt5", "PyQt6"):
            raise ImportError(f"blocked: {name}")


sys.meta_path.insert(0, BlockQgis())
checkout = sys.argv[1]
spec = importlib.util.spec_from_file_location("pipenet", f"{checkout}/__init__.py",
                                              submodule_search_locations=[checkout])
module = importlib.util.module_from_spec(spec)
sys.modules["pipenet"] = module
spec.loader.exec_module(module)

from pipenet.network import build_network  # noqa: E402

network = build_network(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
summary = network.summary()
components = network.components()
illicit = network.illicit_connections()
biggest_outlet = max(components.subnetworks, key=lambda row: row.pipes).outlets[:1]
upstream = network.upstream(biggest_outlet)[biggest_outlet[0]] if biggest_outlet else None
import geopandas  # noqa: E402
import networkx  # noqa: E402
import shapely  # noqa: E402

print(json.dumps({
    "versions": {"geopandas": geopandas.__version__, "shapely": shapely.__version__,
                 "networkx": networkx.__version__},
    "pipes": summary["pipes"], "nodes": summary["nodes"], "components": summary["components"],
    "findings": summary["findings"],
    "no_outlet": components.no_outlet_pipes,
    "cross": illicit.cross_by_class,
    "upstream_of": biggest_outlet, "upstream_pipes": sorted(upstream.pipes) if upstream else [],
    "frames": [len(network.pipes_frame()), len(network.nodes_frame()), len(network.findings_frame())],
    "frame_crs": str(network.pipes_frame().crs),
}, sort_keys=True))
