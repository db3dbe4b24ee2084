"""The audit's deliverables besides the GeoPackage: a styled .qgz, a PNG overview map and a summary."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Optional

import numpy as np
from qgis.core import (
    QgsLayout,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsMapRendererParallelJob,
    QgsProject,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSizeF
from qgis.PyQt.QtGui import QFont, QImage

from ..network.columns import object_array
from .csv_rows import TextColumn, csv_lines
from .gpkg_staging import Coded
from .memory import release_free_memory
from .stand_ins import DrawnPipes, draw_in_order, stand_ins
from .styles import apply_style, chinese

HOT = ("hot 99%", "hot 95%", "hot 90%")
CSV_ROWS = 100_000  # risk register rows made and written at a time
CSV_GATHER = 20_000  # of which gathered at a time
# (layer in the GeoPackage, name in the project, style, classes drawn (None = all), visible).
# Classes are chosen in the renderer, not with subset strings: on QGIS 3.22 a GeoPackage layer with a
# subset string stopped later layers of the same file from opening in the same process.
PROJECT_LAYERS = [
    ("pipes", ("Pipes by system", "管网（按类别）"), "system", None, True),
    ("pipes", ("Risk register", "风险等级"), "risk", None, False),
    ("pipes", ("Breakage hotspots", "破损热点"), "breakage", HOT, True),
    ("pipes", ("Overflow hotspots", "溢流热点"), "overflow", HOT, True),
    ("events", ("Overflow events", "溢流事件"), "heatmap", None, True),
    ("findings", ("Findings", "问题点"), "findings", ("error",), True),
    ("nodes", ("Nodes", "节点"), "nodes", None, False),
]


def project_layers(gpkg: str, only_present: bool = False,
                   known_values: Optional[dict[tuple[str, str], set]] = None) -> list[QgsVectorLayer]:
    """The styled layers of the audit GeoPackage that exist in it, bottom first.

    ``only_present`` drops the categories no feature has, so a legend lists only what the map
    shows (QGIS's own legend filter renders the map once more: seconds on a county).
    ``known_values``: the distinct values of (table, field) columns, when the writer knows them
    (asking the GeoPackage for them scans millions of rows).
    """
    def values(layer: QgsVectorLayer, table: str, field: str) -> set:
        if known_values is not None and (table, field) in known_values:
            return known_values[(table, field)]
        return set(layer.uniqueValues(layer.fields().indexOf(field)))

    language = 1 if chinese() else 0
    layers = []
    for table, names, style, drawn, _visible in PROJECT_LAYERS:
        layer = QgsVectorLayer(f"{gpkg}|layername={table}", names[language], "ogr")
        if not layer.isValid():
            continue
        if style in ("breakage", "overflow"):
            field = "pn_brk_cls" if style == "breakage" else "pn_ovf_cls"
            if not values(layer, table, field) & set(HOT):
                continue  # no hotspot of this kind (or no defects / events given)
        apply_style(layer, style)
        renderer = layer.renderer()
        categories = renderer.categories() if hasattr(renderer, "categories") else []
        present = None
        if only_present and categories and layer.fields().indexOf(renderer.classAttribute()) >= 0:
            present = values(layer, table, renderer.classAttribute())
        for index in reversed(range(len(categories))):
            value = categories[index].value()
            if (drawn is not None and value not in drawn) or (present is not None and value not in present):
                renderer.deleteCategory(index)
        layers.append(layer)
    return layers


def network_extent(layers) -> QgsRectangle:
    """Extent of the unfiltered line layers (a default QgsRectangle is (0,0,0,0) on QGIS 3.22)."""
    extent = None
    for layer in layers:
        if layer.name() in PROJECT_LAYERS[0][1]:
            extent = QgsRectangle(layer.extent()) if extent is None else extent
            extent.combineExtentWith(layer.extent())
    return extent or QgsRectangle()


def _fit(extent: QgsRectangle, aspect: float) -> QgsRectangle:
    """The extent grown by 5 % and widened or heightened to the map item's width/height ratio."""
    width, height = extent.width() * 1.05 or 100.0, extent.height() * 1.05 or 100.0
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    centre = extent.center()
    return QgsRectangle(centre.x() - width / 2, centre.y() - height / 2, centre.x() + width / 2,
                        centre.y() + height / 2)


def write_project_and_map(gpkg: str, project_path: str, png_path: str, title: str, crs,
                          known_values: Optional[dict[tuple[str, str], set]] = None,
                          drawn: Optional[DrawnPipes] = None) -> None:
    """A .qgz with every audit layer styled, opening on the whole network, and the PNG overview map
    of its visible layers: one set of layers for both (a county's layers take seconds to open).
    ``known_values``: see ``project_layers``; ``drawn``: the pipes in memory, from which the map
    then draws the styled pipes layers (stand_ins)."""
    project = QgsProject()
    project.setCrs(crs)
    layers = project_layers(gpkg, only_present=True, known_values=known_values)
    extent = network_extent(layers)
    for layer in layers:
        project.addMapLayer(layer, False)
    root = project.layerTreeRoot()
    for layer in reversed(layers):  # the tree lists the top layer first
        root.addLayer(layer).setItemVisibilityChecked(_visible(layer))
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, crs))
    project.setTitle("PipeNet audit")
    if not project.write(project_path):
        raise OSError(project.error())
    release_free_memory()  # the render threads allocate from heaps of their own
    render_png(project, [layer for layer in layers if _visible(layer)], extent, png_path, title, crs, drawn)


def _visible(layer: QgsVectorLayer) -> bool:
    return next(v for t, n, s, f, v in PROJECT_LAYERS if layer.name() in n)


def _table(layer) -> Optional[str]:
    return next((t for t, n, s, f, v in PROJECT_LAYERS if layer.name() in n), None)


def render_png(project: QgsProject, layers: list, extent: QgsRectangle, path: str, title: str, crs,
               drawn: Optional[DrawnPipes] = None) -> None:
    """An A4-landscape overview map of ``layers`` (bottom first) with legend, scale bar, north arrow and
    title; ``drawn``: see write_project_and_map."""
    layout = QgsLayout(project)
    layout.initializeDefaults()
    page = layout.pageCollection().page(0)
    page.setPageSize("A4", page.Landscape)
    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)  # size first, extent after: the scale depends on the item size
    map_item.attemptMove(QgsLayoutPoint(8, 22, QgsUnitTypes.LayoutMillimeters))
    map_item.attemptResize(QgsLayoutSize(210, 180, QgsUnitTypes.LayoutMillimeters))
    map_item.setCrs(crs)
    map_item.setLayers(list(reversed(layers)))
    map_item.setExtent(_fit(extent, 210.0 / 180.0))  # zoomToExtent gave an empty extent on QGIS 3.22
    dpi = 110
    # The layout draws a map item's layers one after another; a parallel job draws each layer in
    # its own thread (a county's pipes alone take 10 s). Its image takes the map item's place,
    # which stays to set the scale bar, the north arrow and the legend.
    picture = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(picture)
    picture.setResizeMode(QgsLayoutItemPicture.Stretch)
    picture.attemptMove(map_item.positionWithUnits())
    picture.attemptResize(map_item.sizeWithUnits())
    picture.setFrameEnabled(True)
    map_item.setVisibility(False)
    image_path = str(Path(path).with_suffix(".map.png"))
    _map_image(map_item, dpi, drawn).save(image_path, "PNG")
    picture.setPicturePath(image_path)
    label = QgsLayoutItemLabel(layout)
    layout.addLayoutItem(label)
    label.setText(title)
    label.setFont(QFont("DejaVu Sans", 18))
    label.attemptMove(QgsLayoutPoint(8, 6, QgsUnitTypes.LayoutMillimeters))
    label.attemptResize(QgsLayoutSize(280, 12, QgsUnitTypes.LayoutMillimeters))
    legend = QgsLayoutItemLegend(layout)
    layout.addLayoutItem(legend)
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)  # the legend's own copy of the tree: the layers not drawn leave it
    for node in legend.model().rootGroup().findLayers():
        if node.layer() not in layers:
            node.parent().removeChildNode(node)
    legend.setTitle("图例" if chinese() else "Legend")
    legend.attemptMove(QgsLayoutPoint(222, 22, QgsUnitTypes.LayoutMillimeters))
    scale = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    scale.applyDefaultSize()
    scale.attemptMove(QgsLayoutPoint(12, 188, QgsUnitTypes.LayoutMillimeters))
    arrow = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(arrow)
    arrow.setPicturePath(":/images/north_arrows/layout_default_north_arrow.svg")
    arrow.attemptMove(QgsLayoutPoint(200, 26, QgsUnitTypes.LayoutMillimeters))
    arrow.attemptResize(QgsLayoutSize(12, 18, QgsUnitTypes.LayoutMillimeters))
    arrow.setLinkedMap(map_item)
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = dpi
    settings.generateWorldFile = False
    try:
        result = QgsLayoutExporter(layout).exportToImage(path, settings)
    finally:
        Path(image_path).unlink(missing_ok=True)
    if result != QgsLayoutExporter.Success:
        raise OSError(f"could not render {path} (error {result})")


def _map_image(map_item: QgsLayoutItemMap, dpi: float, drawn: Optional[DrawnPipes] = None) -> QImage:
    """What ``map_item`` shows at ``dpi``: the styled pipes layers drawn from the pipes in memory
    when given (stand_ins), else by a parallel render job (one thread per layer)."""
    millimetres = map_item.sizeWithUnits().toQSizeF()
    size = QSizeF(millimetres.width() / 25.4 * dpi, millimetres.height() / 25.4 * dpi)
    settings = map_item.mapSettings(map_item.extent(), size, dpi, True)
    replaced = {layer.id(): stand_ins(layer, drawn) for layer in settings.layers() if _table(layer) == "pipes"}
    replaced = {key: batches for key, batches in replaced.items() if batches is not None}
    if replaced:
        return draw_in_order(settings, replaced)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def write_risk_csv(risk, table, path: str, classes: Optional[Coded] = None, reasons: Optional[Coded] = None
                   ) -> None:
    """The risk register (RiskRegister), ranked, as CSV with a BOM so Excel opens the Chinese text right
    (``classes`` and ``reasons``: every row's risk class and reasons, when already made)."""
    order = np.asarray(risk.ranked_rows(), dtype=np.int64)
    same = risk.keys_list == table.keys
    if classes is None:
        classes = Coded(*risk.risk_class_codes(np.arange(len(risk.keys_list))))
    if reasons is None:
        reasons = Coded(*risk.reason_text_codes())
    # each column's distinct texts made once (csv_rows); by table row the pipe's own columns, by
    # register row its scores
    by_pipe = [TextColumn.of(table.edge_values("system")), TextColumn.of(table.edge_numbers("diameter")),
               TextColumn.of(table.edge_numbers("install_year"), text=lambda year: str(int(year)))]
    by_rank = [TextColumn.of(values) for values in (risk.likelihood, risk.consequence, risk.risk)]
    by_rank += [TextColumn.of_coded(classes), TextColumn.of_coded(reasons)]
    header = "rank,pipe_id,system,diameter_mm,install_year,likelihood,consequence,risk,risk_class,reasons\r\n"
    pipe_ids = object_array(risk.keys_list)
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + header.encode("ascii"))
        for first in range(0, len(order), CSV_ROWS):  # a county's rows as Python objects all at once: 0.6 GB
            part = order[first:first + CSV_ROWS]
            keys = pipe_ids[part].tolist()
            rows = part if same else np.array([table.edge_position(key) for key in keys], dtype=np.int64)
            for start in range(0, len(part), CSV_GATHER):  # the gather's indices: 8 bytes per byte written
                some = slice(start, start + CSV_GATHER)
                lines = np.arange(len(part[some]))
                ranks = TextColumn.of_texts(list(map(str, range(first + start + 1, first + start + len(lines) + 1))))
                handle.write(csv_lines([(ranks, lines), (TextColumn.of_texts(keys[some]), lines),
                                        *((column, rows[some]) for column in by_pipe),
                                        *((column, part[some]) for column in by_rank)]))


def write_summary(summary: dict, folder: Path, files: dict[str, str]) -> None:
    """summary.json and a one-page summary.html (counts per finding type, top risk pipes)."""
    (folder / "summary.json").write_text(json.dumps(dict(summary, files=files), ensure_ascii=False, indent=1),
                                         encoding="utf-8")
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in summary["findings"].items())
    risk_rows = "".join(
        f"<tr><td>{html.escape(str(r['pipe']))}</td><td>{html.escape(str(r['system']))}</td><td>{r['risk']}</td>"
        f"<td>{html.escape(r['class'])}</td><td>{html.escape(r['reasons'])}</td></tr>" for r in summary["top_risk"])
    systems = ", ".join(f"{k} {v / 1000:.1f} km" for k, v in summary["length_by_system_m"].items())
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>PipeNet audit</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:2px 8px}}</style></head><body>
<h1>PipeNet network audit / 管网体检报告</h1>
<p>{summary['pipes']} pipes, {summary['length_m'] / 1000:.1f} km ({systems}); {summary['nodes']} nodes;
{summary['components']} subnetworks; {summary['no_outlet_pipes']} pipes reach no outlet.</p>
<p>Findings: {summary['severity']['error']} errors, {summary['severity']['warning']} warnings,
{summary['severity']['info']} notes. Breakage hotspot pipes: {summary['breakage_hotspot_pipes']};
overflow hotspot pipes: {summary['overflow_hotspot_pipes']}. Risk classes: {summary['risk_classes']}.</p>
<h2>Findings per check / 问题统计</h2><table><tr><th>check</th><th>count</th></tr>{rows}</table>
<h2>Top risk pipes / 高风险管段</h2><table><tr><th>pipe</th><th>system</th><th>risk</th><th>class</th>
<th>why</th></tr>{risk_rows}</table>
<h2>Files</h2><ul>{''.join(f'<li>{html.escape(k)}: {html.escape(v)}</li>' for k, v in files.items())}</ul>
</body></html>"""
    (folder / "summary.html").write_text(page, encoding="utf-8")
