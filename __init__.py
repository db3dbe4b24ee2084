"""PipeNet QGIS plugin entry point."""


def classFactory(iface):  # noqa: N802 (QGIS plugin API name)
    """Return the plugin instance QGIS asks for (the zip's pure-Python packages on the path first
    when this QGIS lacks them: dependencies.py)."""
    from .dependencies import use_bundled
    from .plugin import PipeNetPlugin

    use_bundled()

    return PipeNetPlugin(iface)
