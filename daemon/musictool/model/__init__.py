"""Plain values and rules that several layers share (no I/O, no imports from the rest of musictool).

The bottom of the layer rule (docs/ARCHITECTURE.md "Layers"): store/ describes its rows with these types, so
the store never reaches up into library/, enrich/ or an integration to learn what it stores.
"""
