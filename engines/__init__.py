"""Text engines every message may pass through: crisis wording, scrubbing, language, themes, dates.

Pure functions over text and the lexicons in content/; they import content/ and storage/clock only —
never handlers/, insights/, bot/ or a platform library.
"""
