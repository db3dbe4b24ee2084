"""Network-constrained hotspots: pipes cut into lixels, network neighbourhoods, kernel density and Gi*."""
