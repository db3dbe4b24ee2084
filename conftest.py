"""Register this checkout as the package ``pipenet`` whatever its folder is called.

The repository root is the plugin package. It is never put on sys.path itself (pytest runs with
``python -P`` and ``--import-mode=importlib``), so our ``processing/`` cannot shadow QGIS's own
``processing`` package.
"""

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.path.isdir(QGIS_PLUGINS) and QGIS_PLUGINS not in sys.path:
    sys.path.append(QGIS_PLUGINS)

if "pipenet" not in sys.modules:
    spec = importlib.util.spec_from_file_location("pipenet", ROOT / "__init__.py",
                                                  submodule_search_locations=[str(ROOT)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["pipenet"] = module
    spec.loader.exec_module(module)
