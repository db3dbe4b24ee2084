"""On PYTHONPATH for a test: hide packages of the system's site-packages (PIPENET_HIDE=networkx,scipy), as on a
QGIS that lacks them; a copy elsewhere on the path (the plugin zip's ext/) is still found."""
import importlib.abc
import importlib.machinery
import os
import sys

HIDDEN = {name for name in os.environ.get("PIPENET_HIDE", "").split(",") if name}


class _Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in HIDDEN:
            return None
        where = [entry for entry in (path or sys.path)
                 if "dist-packages" not in entry and "site-packages" not in entry]
        spec = importlib.machinery.PathFinder.find_spec(name, where)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden)", name=name)
        return spec


sys.meta_path.insert(0, _Hide())
