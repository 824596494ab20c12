"""Exports facilitators can open, and the annual report they hand to the agreement parties.

spec.py        what to export: kind, format, period (Copenhagen days) and filters, validated
pseudonyms.py  per-export keyed pseudonyms (a random salt per export, never stored)
source.py      what a source of rows is (shared by sources.py and digests.py)
sources.py     the rows of each kind, streamed from the database (yield_per / server-side cursor)
digests.py     the published digests of a span of periods, flattened to rows
writers.py     CSV (Danish Excel by default), XLSX (openpyxl write-only, split past 1,048,576 rows)
               and JSON Lines; no formula ever runs: text cells in XLSX, an apostrophe in CSV
run.py         one export to a file: count, progress bar on a terminal, atomic write, audit entry
report.py      the annual report's numbers (digests, areas by month, local events), k-anonymous
charts.py      the report's charts: matplotlib (Agg) to inline SVG
html.py        the report as one self-contained HTML file (Jinja2, content/report/)
"""
