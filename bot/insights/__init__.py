"""Insights: k-anonymous digests of what people wrote, sent to the partnership's knowledge base.

periods.py    week / month / quarter / year periods in Europe/Copenhagen
anonymity.py  primary and complementary cell suppression (k distinct participants)
terms.py      emerging words and two-word phrases (stop words, names and placeholders out)
digest.py     builds one digest (a JSON-able dict, schema docs/digest-schema.json)
render.py     the Markdown rendering (Danish by default)
sinks.py      folder and HTTPS webhook sinks, retries, idempotency key, the delivery log
summaries.py  "what others said" about one prompt, for the people who asked
weekly.py     run_weekly_digest(app, now): what the scheduler calls
"""
