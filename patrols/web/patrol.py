"""Placeholder: being built (issue 5)."""

from django.http import Http404


def today(request, *args, **kwargs):
    raise Http404


def patrol_page(request, *args, **kwargs):
    raise Http404


def start(request, *args, **kwargs):
    raise Http404


def end(request, *args, **kwargs):
    raise Http404


def points(request, *args, **kwargs):
    raise Http404


def report(request, *args, **kwargs):
    raise Http404
