from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from csrplatform.inbox import inbox_items


@login_required
def home(request):
    return render(request, "home.html")


@login_required
def inbox(request):
    return render(request, "inbox.html", {"items": inbox_items(request.user)})
