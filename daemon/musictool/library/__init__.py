"""Domain logic over the store: normalisation, matching, gaps, wishlist and budget planning."""
