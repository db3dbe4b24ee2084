"""The storm algorithms' maps: the capacity classes of pipenet:stormcapacity, the flooded nodes and surcharged
pipes of pipenet:stormsimulation (each a styled .qgz and an A4 PNG drawn as the audit's overview map is), and the
simulation's waterlogging warnings as an HTML page in English and Chinese."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsLineSymbol,
    QgsMapUnitScale,
    QgsMarkerSymbol,
    QgsProject,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsRuleBasedRenderer,
    QgsUnitTypes,
    QgsVectorLayer,
)

from .audit_report import render_png
from .styles import apply_style, chinese

# the lowest return period at which a node floods: darkest red for the smallest, the first warned; a pipe
# surcharges: purples (apart from the nodes' reds and safe for colour-blind readers)
FLOOD_COLOURS = ("#e31a1c", "#fc4e2a", "#fd8d3c", "#feb24c", "#fed976", "#ffffb2")
SURCHARGE_COLOURS = ("#6a51a3", "#807dba", "#9e9ac8", "#bcbddc", "#dadaeb", "#efedf5")
BASE_PIPE = "#9a9a9a"
# Widths and sizes follow the scale: a symbol is as wide on the ground as its millimetres at 1:DESIGN_SCALE (a
# street's pipes on an A4 map), down to SMALLEST of that at a county's scale, so a county is not one blot
# and the worse classes stay the wider ones.
DESIGN_SCALE = 4000.0
SMALLEST = 0.3


def scaled(symbol, millimetres: Optional[float] = None, smallest: float = SMALLEST):
    """``symbol`` (line or marker) sized in map units: ``millimetres`` (default: its own) at 1:DESIGN_SCALE,
    never larger, and at least ``smallest`` of it at smaller scales."""
    size = millimetres if millimetres is not None else \
        (symbol.width() if isinstance(symbol, QgsLineSymbol) else symbol.size())
    limits = QgsMapUnitScale()
    limits.minSizeMMEnabled, limits.minSizeMM = True, size * smallest
    limits.maxSizeMMEnabled, limits.maxSizeMM = True, size
    metres = size / 1000.0 * DESIGN_SCALE
    if isinstance(symbol, QgsLineSymbol):
        symbol.setWidth(metres)
        symbol.setWidthUnit(QgsUnitTypes.RenderMapUnits)
    else:
        symbol.setSize(metres)
        symbol.setSizeUnit(QgsUnitTypes.RenderMapUnits)
    symbol.setMapUnitScale(limits)
    return symbol


def capacity_map(pipes: QgsVectorLayer, png: Optional[str], project_path: Optional[str], title: str, crs) -> None:
    """The ``pipes`` layer styled by the return period they carry (pn_capacity_cls): a PNG map (when ``png`` is
    given) and a .qgz project (when ``project_path`` is)."""
    pipes.setName("雨水管渠排水能力" if chinese() else "Storm capacity (return period carried)")
    apply_style(pipes, "capacity")
    renderer = pipes.renderer()
    for index, category in enumerate(renderer.categories()):
        renderer.updateCategorySymbol(index, scaled(category.symbol().clone()))
    _project_and_map([pipes], project_path, png, title, crs, "PipeNet storm capacity")


def simulation_map(nodes_path: str, pipes_path: str, floods: list[tuple[str, str, int]],
                   surcharges: list[tuple[str, str, int]], png: str, project_path: str, title: str, crs) -> None:
    """The simulation's nodes (those that flood, by the lowest storm at which they do) over its pipes (all in
    grey, those that surcharge by the lowest storm at which they do). ``floods`` and ``surcharges`` are
    (filter expression, legend label, count) per storm, smallest first."""
    zh = chinese()
    pipes = QgsVectorLayer(pipes_path, "管段（开始超载的重现期）" if zh else "Pipes (first storm surcharging)", "ogr")
    nodes = QgsVectorLayer(nodes_path, "检查井（开始溢流的重现期）" if zh else "Nodes (first storm flooding)", "ogr")
    base = scaled(QgsLineSymbol.createSimple({"color": BASE_PIPE}), 0.2)
    pipes.setRenderer(_rules(surcharges, SURCHARGE_COLOURS,
                             lambda colour: scaled(QgsLineSymbol.createSimple({"color": colour}), 0.9),
                             (base, "其他管段" if zh else "other pipes")))
    nodes.setRenderer(_rules(floods, FLOOD_COLOURS, lambda colour: scaled(QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": colour, "outline_color": "#1a1a1a", "outline_width": "0.15"}), 2.2, 0.55)))
    _project_and_map([pipes, nodes], project_path, png, title, crs, "PipeNet storm simulation")


def _rules(classes: list[tuple[str, str, int]], colours: tuple, symbol_of, otherwise=None) -> QgsRuleBasedRenderer:
    """A rule per class with features (``colours`` in order), listed and drawn on top in the order given;
    ``otherwise``: (symbol, label) of the rest, listed last and drawn underneath."""
    root = QgsRuleBasedRenderer.Rule(None)
    shown = [(index, *values) for index, values in enumerate(classes) if values[2] > 0]
    for index, expression, label, count in shown:
        symbol = symbol_of(colours[min(index, len(colours) - 1)])
        symbol.symbolLayer(0).setRenderingPass(len(classes) - index + 1)  # symbol levels: the first on top
        root.appendChild(QgsRuleBasedRenderer.Rule(symbol, 0, 0, expression, f"{label} ({count:,})"))
    if otherwise is not None:
        otherwise[0].symbolLayer(0).setRenderingPass(0)
        root.appendChild(QgsRuleBasedRenderer.Rule(otherwise[0], 0, 0, "ELSE", otherwise[1]))
    renderer = QgsRuleBasedRenderer(root)
    renderer.setUsingSymbolLevels(True)
    return renderer


def _project_and_map(layers: list[QgsVectorLayer], project_path: Optional[str], png: Optional[str], title: str, crs,
                     project_title: str) -> None:
    """A project of ``layers`` (bottom first), written to ``project_path`` when given, and its PNG map to ``png``
    when given."""
    project = QgsProject()
    project.setCrs(crs)
    extent = QgsRectangle()
    for layer in layers:
        project.addMapLayer(layer, False)
        if extent.isEmpty():
            extent = QgsRectangle(layer.extent())
        else:
            extent.combineExtentWith(layer.extent())
    root = project.layerTreeRoot()
    for layer in reversed(layers):  # the tree lists the top layer first
        root.addLayer(layer)
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, crs))
    project.setTitle(project_title)
    if project_path and not project.write(project_path):
        raise OSError(project.error())
    if png:
        render_png(project, layers, extent, png, title, crs)


WARNING_COLUMNS = (("Rank", "排序"), ("Node", "检查井"), ("Floods from P (years)", "开始溢流的重现期（年）"),
                   ("Storm", "暴雨"), ("Flooding (m³)", "溢流量（m³）"), ("Hours flooded", "溢流历时（小时）"),
                   ("Warning", "预警"))


def warnings_page(rows: list, storms: list[tuple], image: str, engine: str) -> str:
    """waterlogging_warnings.html: the map, the storms run (depth, continuity error, nodes flooding) and the
    warned nodes ranked by flooding volume, English and Chinese side by side (``rows`` as the CSV's)."""
    storm_rows = "".join(f"<tr><td>{html.escape(str(label))}</td><td class=n>{depth:.1f}</td><td class=n>"
                         f"{error:.3f}</td><td class=n>{flooded:,}</td></tr>"
                         for label, depth, error, flooded in storms)
    header = "".join(f"<th>{en}<br>{zh}</th>" for en, zh in WARNING_COLUMNS)
    body = "".join(
        f"<tr><td class=n>{rank}</td><td>{html.escape(str(node))}</td><td class=n>"
        f"{'' if period is None else f'{period:g}'}</td><td>{html.escape(str(storm))}</td><td class=n>{volume:,.1f}"
        f"</td><td class=n>{hours:.2f}</td><td>{html.escape(en)}<br>{html.escape(zh)}</td></tr>"
        for rank, node, period, storm, volume, hours, en, zh in rows)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>PipeNet waterlogging warnings / 内涝预警</title><style>body{{font-family:sans-serif;max-width:66em;
margin:1em auto;color:#222}}table{{border-collapse:collapse;margin:.5em 0 1.2em}}td,th{{border:1px solid #bbb;
padding:3px 8px;text-align:left;vertical-align:top}}th{{background:#eee}}td.n{{text-align:right}}
img{{max-width:100%;border:1px solid #bbb}}</style></head><body>
<h1>Waterlogging warnings / 内涝预警</h1>
<p>EPA SWMM {html.escape(engine)} runs of the storm network. A node is warned from the lowest return period at
which it floods. / 以 EPA SWMM {html.escape(engine)} 模拟雨水管网；检查井自开始溢流的最低重现期起预警。</p>
<img src="{html.escape(image)}" alt="map">
<h2>Storms / 暴雨</h2><table><tr><th>Storm / 暴雨</th><th>Rain (mm) / 雨量</th>
<th>Flow-routing continuity error (%) / 流量演算连续性误差</th><th>Nodes flooding / 溢流检查井</th></tr>{storm_rows}
</table>
<h2>Warned nodes, by flooding volume / 预警检查井（按溢流量排序）</h2><table><tr>{header}</tr>{body}</table>
</body></html>"""


def write_warnings_page(path: str, rows: list, storms: list[tuple], image: str, engine: str) -> None:
    """Write warnings_page to ``path``."""
    Path(path).write_text(warnings_page(rows, storms, image, engine), encoding="utf-8")
