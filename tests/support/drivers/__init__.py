"""Small programs the tests run in a subprocess (so they can be killed)."""
