"""Placeholder: being built (issue 4)."""

from django.http import Http404


def intake(request, *args, **kwargs):
    raise Http404


def locate(request, *args, **kwargs):
    raise Http404


def duplicates(request, *args, **kwargs):
    raise Http404


def categories(request, *args, **kwargs):
    raise Http404
