"""Traktor integration: discover, read, watch and safely write back collection.nml."""
