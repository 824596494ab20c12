"""Data, not code: campaigns, strings, lexicons, helplines, municipalities — and the small loaders that validate them."""
