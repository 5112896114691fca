"""Placeholder: being built (issue 4)."""

from django.http import Http404


def callbacks(request, *args, **kwargs):
    raise Http404
