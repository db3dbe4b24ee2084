"""One Processing algorithm per module."""

from .build_network import BuildNetworkAlgorithm

ALGORITHMS = [BuildNetworkAlgorithm]
