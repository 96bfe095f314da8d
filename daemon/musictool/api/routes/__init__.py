"""One module per resource; each exposes `routes = web.RouteTableDef()` with paths relative to /api/v1."""
