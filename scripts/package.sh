#!/usr/bin/env bash
# Build dist/pipenet-<version>.zip for "Install from ZIP": top folder pipenet/, no tests or dev files.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-dev}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dist=${DIST:-$PWD/dist}
mkdir -p "$stage/pipenet" "$dist"
git ls-files -co --exclude-standard -- __init__.py plugin.py metadata.txt LICENSE README.md resources.qrc \
    network processing ui icons i18n styles 2>/dev/null \
    | grep -vE '(^|/)(__pycache__|tests?)/|\.pyc$' \
    | while read -r file; do
        [ -f "$file" ] || continue
        mkdir -p "$stage/pipenet/$(dirname "$file")"
        cp "$file" "$stage/pipenet/$file"
      done
for qm in i18n/*.qm; do  # built by make, not tracked by git
    [ -f "$qm" ] && mkdir -p "$stage/pipenet/i18n" && cp "$qm" "$stage/pipenet/i18n/"
done
out="$dist/pipenet-$version.zip"
rm -f "$out"
(cd "$stage" && zip -qr "$out" pipenet)
echo "$out"
