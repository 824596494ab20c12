"""Platform-neutral analysis of what people wrote: k-anonymous digests, summaries, exports, the report.

periods.py    week / month / quarter / year periods in Europe/Copenhagen
anonymity.py  primary and complementary cell suppression (k distinct participants)
terms.py      emerging words and two-word phrases (stop words, names and placeholders out)
digest.py     builds one digest (a JSON-able dict, schema docs/digest-schema.json); digest_rows.py reads its rows
render.py     the Markdown rendering (Danish by default)
summaries.py  "what others said" about one prompt, for the people who asked
reclassify.py themes of stored reflections again, after a lexicon change
exports/      files facilitators open, and the annual report

Imports engines/, storage/ and content/; never handlers/, bot/ or a platform library. Sending digests
to the knowledge base is the running program's job (bot/knowledge_base/).
"""
