"""Audio features DJs mix by (tempo, key, energy, loudness) and file quality, computed in a process pool."""
