"""Placeholder: being built (issue 4)."""

from django.http import Http404


def inbox(request, *args, **kwargs):
    raise Http404


def notifications(request, *args, **kwargs):
    raise Http404


def notification_read(request, *args, **kwargs):
    raise Http404
