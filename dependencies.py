"""What PipeNet needs from Python beyond QGIS itself, whether this QGIS has it, and how to install what
it lacks.

Every QGIS has numpy. networkx and openpyxl are pure Python and travel in the plugin zip (``ext/``,
made by scripts/package.sh): a QGIS without them (networkx is not bundled with every QGIS) uses the
copies from the zip. scipy is compiled: a QGIS without it gets one message naming the command that
installs it, and the plugin still loads (menus, panel) without its Processing algorithms.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent
BUNDLED = PLUGIN_DIR / "ext"  # pure-Python packages the plugin zip carries
# module -> the pip package that installs it; every Processing algorithm needs these
REQUIRED = {"numpy": "numpy", "scipy": "scipy", "networkx": "networkx"}


def use_bundled() -> bool:
    """Put the zip's pure-Python packages on the path when this Python lacks one of them (an
    installed copy is used first: the bundled folder goes last). Whether it was added."""
    if not BUNDLED.is_dir() or str(BUNDLED) in sys.path:
        return False
    packages = [entry.name for entry in BUNDLED.iterdir() if entry.is_dir() and not entry.name.endswith("-info")]
    if all(_found(name) for name in packages):
        return False
    sys.path.append(str(BUNDLED))
    importlib.invalidate_caches()
    return True


def _found(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def missing() -> list[str]:
    """The pip names of the required modules this Python cannot import."""
    lacking = []
    for module, package in REQUIRED.items():
        try:
            importlib.import_module(module)
        except ImportError:
            lacking.append(package)
    return lacking


def python_executable() -> str:
    """The Python of this QGIS (inside QGIS ``sys.executable`` is QGIS itself, not Python)."""
    if os.name == "nt":
        candidate = Path(sys.exec_prefix) / "python.exe"
        return str(candidate) if candidate.exists() else "python"
    candidate = Path(sys.exec_prefix) / "bin" / f"python{sys.version_info.major}"
    return str(candidate) if candidate.exists() else "python3"


def install_command(packages: list[str]) -> list[str]:
    """The one command that installs ``packages`` where this QGIS's Python finds them (the user's
    site-packages; Debian's Python asks for --break-system-packages there)."""
    command = [python_executable(), "-m", "pip", "install", "--user"]
    if Path(sys.prefix, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}",
            "EXTERNALLY-MANAGED").exists():
        command.append("--break-system-packages")
    return command + packages


def message(packages: list[str]) -> str:
    """One sentence, English and Chinese, naming what is missing and the command that installs it."""
    command = " ".join(install_command(packages))
    return (f"PipeNet needs the Python package(s) {', '.join(packages)}, which this QGIS lacks: its "
            f"analyses are off until they are installed. Install them with: {command} (then restart QGIS). "
            f"PipeNet 需要 Python 包 {', '.join(packages)}，当前 QGIS 中没有：安装后分析功能才能使用。"
            f"安装命令：{command}（然后重启 QGIS）。")
