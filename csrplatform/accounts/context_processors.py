from csrplatform.access import actor_for


def access(request):
    """The signed-in user's standing, for navigation and buttons."""
    user = getattr(request, "user", None)
    return {"actor": actor_for(user)}
