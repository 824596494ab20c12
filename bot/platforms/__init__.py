"""Chat platform adapters: the only code that imports telegram or discord."""
