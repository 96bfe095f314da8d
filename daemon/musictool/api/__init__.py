"""The local REST API (aiohttp on 127.0.0.1): guarded, JSON, problem+json errors."""
