from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "home.html")


def inbox_items(user) -> list[dict]:
    """Everything waiting on the user, from every app that asks things of people."""
    from pilots.selectors import pilot_inbox_items

    return pilot_inbox_items(user)


@login_required
def inbox(request):
    return render(request, "inbox.html", {"items": inbox_items(request.user)})
