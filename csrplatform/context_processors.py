from django.utils.functional import SimpleLazyObject

from csrplatform.inbox import inbox_badge


def inbox(request):
    """How many items wait in the user's inbox, for the menu ("99+" past 99): read in one
    query (see `inbox.counter`), and only when a page shows it."""
    user = getattr(request, "user", None)
    return {"inbox_count": SimpleLazyObject(lambda: inbox_badge(user))}
