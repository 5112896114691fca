"""Placeholder: being built (issue 5)."""

from django.http import Http404


def tasks(request, *args, **kwargs):
    raise Http404
