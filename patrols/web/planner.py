"""Placeholder: being built (issue 5)."""

from django.http import Http404


def week(request, *args, **kwargs):
    raise Http404
