"""The browser extension's side of the daemon: pairing, "what do we know about this store page", prices."""
