"""Search-link builders for the download stores (links only: none of them offers a public search API)."""
