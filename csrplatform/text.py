"""Shortening text for headings, lists and subjects: on a word boundary, with an ellipsis."""

ELLIPSIS = "…"


def shorten(text, limit: int) -> str:
    """`text` on one line, cut to at most `limit` characters at the last word boundary, with
    an ellipsis when anything was cut ("…must first be approved…", never "approved by s")."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ELLIPSIS), 1)]
    # Keep the cut word only if the text broke right after it.
    if text[len(cut)] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS
