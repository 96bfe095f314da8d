"""Housekeeping that keeps a long-running daemon's database small and fast."""
