"""Audit pages (being written)."""

from django.http import Http404


def audit_list(request, *args, **kwargs):
    raise Http404


def audit_export(request, *args, **kwargs):
    raise Http404


def audit_detail(request, *args, **kwargs):
    raise Http404


def audit_share(request, *args, **kwargs):
    raise Http404


def audit_share_withdraw(request, *args, **kwargs):
    raise Http404


def pilot_from_findings(request, *args, **kwargs):
    raise Http404


def action_board(request, *args, **kwargs):
    raise Http404


def action_detail(request, *args, **kwargs):
    raise Http404


def action_move(request, *args, **kwargs):
    raise Http404

