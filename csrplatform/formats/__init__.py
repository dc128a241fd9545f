"""Display formats per language (FORMAT_MODULE_PATH): one date format per language everywhere.

Templates show dates with `|date` (DATE_FORMAT), `|date:"DATETIME_FORMAT"` or
`|date:"YEAR_MONTH_FORMAT"`, never a literal format, so a page, an e-mail and a PDF read the
same in each language. Input formats are Django's own for the language.
"""
