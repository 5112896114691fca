"""Placeholder: being built (issue 4)."""

from django.http import Http404


def case_page(request, *args, **kwargs):
    raise Http404


def case_action(request, *args, **kwargs):
    raise Http404
