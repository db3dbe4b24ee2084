"""Extract every literal given to tr()/translate()/tr_noop() into i18n/pipenet_zh_CN.ts (context PipeNet).

Existing translations are kept; help texts that already end with a Chinese paragraph get that paragraph
as their translation. Run `make translations` (this, then lrelease) after changing user-visible text.
"""

import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "i18n" / "pipenet_zh_CN.ts"
SOURCES = ["plugin.py", "processing", "ui"]


def literals() -> list[tuple[str, str]]:
    """(text, file:line) of every translatable literal, in source order."""
    found = []
    for source in SOURCES:
        path = ROOT / source
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            tree = ast.parse(file.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                index = {"tr": 0, "tr_noop": 0, "translate": 1}.get(name)
                if index is None or len(node.args) <= index:
                    continue
                argument = node.args[index]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.append((argument.value, f"{file.relative_to(ROOT)}:{node.lineno}"))
    return found


def existing() -> dict[str, str]:
    if not TS.exists():
        return {}
    tree = ET.parse(TS)
    return {m.findtext("source"): m.findtext("translation") or "" for m in tree.iter("message")}


def chinese_part(text: str) -> str:
    """The Chinese paragraph a bilingual help text ends with, or ''."""
    if "<br><br>" not in text:
        return ""
    tail = text.rsplit("<br><br>", 1)[1]
    return tail if any("\u4e00" <= ch <= "\u9fff" for ch in tail) else ""


def main() -> int:
    known = existing()
    extra = {}
    if len(sys.argv) > 1:  # a JSON file of new translations to merge in
        import json

        extra = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    root = ET.Element("TS", version="2.1", language="zh_CN")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = "PipeNet"
    seen, missing = set(), []
    for text, where in literals():
        if text in seen:
            continue
        seen.add(text)
        message = ET.SubElement(context, "message")
        file, line = where.split(":")
        ET.SubElement(message, "location", filename=file, line=line)
        ET.SubElement(message, "source").text = text
        translation = extra.get(text) or known.get(text) or chinese_part(text)
        element = ET.SubElement(message, "translation")
        if translation:
            element.text = translation
        else:
            element.set("type", "unfinished")
            missing.append(text)
    ET.indent(root)
    TS.parent.mkdir(exist_ok=True)
    TS.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ET.tostring(root, encoding="unicode")
                  + "\n", encoding="utf-8")
    print(f"{len(seen)} strings, {len(missing)} untranslated")
    for text in missing:
        print("  untranslated:", text[:80])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
