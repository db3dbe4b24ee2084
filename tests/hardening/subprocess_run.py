"""Run Python code in a child process (a crash there fails a test instead of ending pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("pipenet", {str(ROOT / "__init__.py")!r},
                                              submodule_search_locations=[{str(ROOT)!r}])
module = importlib.util.module_from_spec(spec)
sys.modules["pipenet"] = module
spec.loader.exec_module(module)
"""


def run_python(code: str, memory_gb: float = 0, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``code`` with the checkout importable as ``pipenet``; ``memory_gb`` caps its address space."""
    limit = ""
    if memory_gb:
        limit = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({int(memory_gb * 2 ** 30)},) * 2)\n"
    script = PRELUDE + limit + textwrap.dedent(code)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True, timeout=timeout,
                          env=env)
