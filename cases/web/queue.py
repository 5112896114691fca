"""Placeholder: being built (issue 4)."""

from django.http import Http404


def queue(request, *args, **kwargs):
    raise Http404


def queue_rows(request, *args, **kwargs):
    raise Http404


def queue_bulk(request, *args, **kwargs):
    raise Http404


def approvals(request, *args, **kwargs):
    raise Http404
