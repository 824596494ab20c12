"""The small framework every feature is written against: Incoming and intents (types), Ctx and the
registry (context), the one Dispatcher, flood limits, aftercare after a crisis reply and the few helpers features
share (common).

Imports engines/, storage/ and content/; never bot/ or a platform library.
"""
