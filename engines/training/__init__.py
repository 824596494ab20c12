"""Training the text models (engines/textmodel.py): scikit-learn, an optional extra (`.[train]`).

fit.py     one calibrated logistic regression per class, C chosen by cross-validation on training data
sets.py    the labelled TSV sets read, with errors naming file and line
crisis.py  crisis tier 2: its training sets, threshold and data card
themes.py  areas and target groups: their training sets and data card

Nothing here runs when the bot runs; only `samtale ... train` and the tests import it.
"""
