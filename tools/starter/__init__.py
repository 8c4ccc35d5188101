"""Builds and scores the starter model (``python -m tools.starter.build``, ``python -m tools.starter.evaluate``).

A developer tool run from a checkout with ../shared/data beside it; the product only ships its result
(``traffic/demo/starter.pt`` and its class map) and imports nothing from here.
"""
