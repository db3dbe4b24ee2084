"""From records to a network: field detection, attributes, snapping, topology checks, flow direction."""
