"""The audit's report: summary HTML/JSON, overview map, styles and the map's stand-in layers."""
