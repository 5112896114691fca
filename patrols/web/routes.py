"""Placeholder: being built (issue 5)."""

from django.http import Http404


def route_list(request, *args, **kwargs):
    raise Http404


def route_edit(request, *args, **kwargs):
    raise Http404


def route_import(request, *args, **kwargs):
    raise Http404
