#!/usr/bin/env bash
# Build dist/pipenet-<version>.zip for "Install from ZIP": top folder pipenet/, no tests or dev files.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-dev}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dist=${DIST:-$PWD/dist}
mkdir -p "$stage/pipenet" "$dist"
git ls-files -co --exclude-standard -- __init__.py plugin.py dependencies.py metadata.txt LICENSE README.md resources.qrc \
    network processing ui icons i18n styles 2>/dev/null \
    | grep -vE '(^|/)(__pycache__|tests?)/|\.pyc$' \
    | while read -r file; do
        [ -f "$file" ] || continue
        mkdir -p "$stage/pipenet/$(dirname "$file")"
        cp "$file" "$stage/pipenet/$file"
      done
# pure-Python packages a QGIS may lack (networkx is not bundled with every QGIS): carried in ext/,
# used only where the QGIS lacks them (dependencies.py); their licences go with them
for package in networkx openpyxl et_xmlfile; do
    source=$(/usr/bin/python3 -c "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('$package').origin))")
    mkdir -p "$stage/pipenet/ext"
    (cd "$(dirname "$source")" && find "$package" -name '*.py' -not -path '*/tests/*' -not -path '*/__pycache__/*' -not -name conftest.py \
        -exec install -D -m 644 {} "$stage/pipenet/ext/{}" \;)
    for licence in /usr/share/doc/python3-"${package//_/-}"/copyright /usr/share/doc/python3-"${package//_/}"/copyright; do
        [ -f "$licence" ] && cp "$licence" "$stage/pipenet/ext/$package.LICENSE" && break
    done
done
for qm in i18n/*.qm; do  # built by make, not tracked by git
    [ -f "$qm" ] && mkdir -p "$stage/pipenet/i18n" && cp "$qm" "$stage/pipenet/i18n/"
done
out="$dist/pipenet-$version.zip"
rm -f "$out"
(cd "$stage" && zip -qr "$out" pipenet)
echo "$out"
