"""The Simplified Chinese catalogue is complete, and its compiled .mo matches the .po."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries(po_text: str):
    """(flags, msgid, plural, [msgstr...]) for each entry of a .po file, obsolete ones left out."""
    for block in po_text.split("\n\n"):
        flags, fields, current = "", {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
            elif " " in line:
                current, value = line.split(" ", 1)
                fields[current] = ast.literal_eval(value)
        if fields.get("msgid"):
            strs = [value for key, value in fields.items() if key.startswith("msgstr")]
            yield flags, fields.get("msgctxt"), fields["msgid"], strs


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = list(_entries((CATALOGUE / "django.po").read_text(encoding="utf-8")))
    assert len(entries) > 500
    untranslated = [msgid for _flags, _ctx, msgid, strs in entries if not all(strs)]
    fuzzy = [msgid for flags, _ctx, msgid, _strs in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_holds_every_translation():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for _flags, context, msgid, strs in _entries(
        (CATALOGUE / "django.po").read_text(encoding="utf-8")
    ):
        if context is not None:
            got = catalogue.pgettext(context, msgid)
        elif len(strs) > 1 or msgid not in catalogue._catalog:
            got = catalogue._catalog.get((msgid, 0), catalogue._catalog.get(msgid))
        else:
            got = catalogue.gettext(msgid)
        if got != strs[0]:
            stale.append(msgid)
    assert stale == [], "run compilemessages: the .mo is older than the .po"
