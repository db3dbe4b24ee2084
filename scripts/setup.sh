#!/usr/bin/env bash
# Install what PipeNet needs on Debian 12 or 13; quick and idempotent when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES="qgis python3-qgis qgis-providers python3-networkx python3-geopandas python3-pyproj
python3-fiona python3-shapely python3-scipy python3-numpy python3-openpyxl python3-venv python3-pip xvfb xauth
qttools5-dev-tools fonts-wqy-microhei postgresql postgresql-postgis gdal-bin
zip unzip make"
missing=()
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "Installing Debian packages: ${missing[*]}"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
# The SWMM 5 engine (pipenet:stormsimulation) where QGIS's Python finds it: the user site of /usr/bin/python3,
# which the .venv (system site packages) and qgis_process see too. --no-deps: its one dependency is aenum (pure
# Python, named here); Debian's numpy and GDAL are left alone.
/usr/bin/python3 -c "import swmm.toolkit.solver, aenum" 2>/dev/null \
    || /usr/bin/python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --user --break-system-packages --no-deps \
        "swmm-toolkit==0.17.*" "aenum>=3.1.11"
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import qgis.core, pytest_qgis, hypothesis, distributed" 2>/dev/null \
   || [ ! -x "$VENV/bin/ruff" ] || [ requirements-dev.txt -nt "$VENV/.installed" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    "$VENV/bin/python" -c "import numpy; assert numpy.__version__.startswith('1.24') or not numpy.__version__.startswith('1.'), numpy.__version__"
    touch "$VENV/.installed"
fi
API_VENV=${API_VENV:-.venv/api}  # inside .venv: tools that skip .venv skip it too
if [ ! -x "$API_VENV/bin/python" ] || [ requirements-api.txt -nt "$API_VENV/.installed" ]; then
    /usr/bin/python3 -m venv "$API_VENV"
    "$API_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-api.txt
    touch "$API_VENV/.installed"
fi
echo "PipeNet setup done: $(QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -c 'from qgis.core import Qgis; print("QGIS", Qgis.QGIS_VERSION)' 2>/dev/null)"
