"""Placeholder: being built (issue 5)."""

from django.http import Http404


def notice_list(request, *args, **kwargs):
    raise Http404


def notice_new(request, *args, **kwargs):
    raise Http404


def notice_detail(request, *args, **kwargs):
    raise Http404


def notice_print(request, *args, **kwargs):
    raise Http404


def subject_history(request, *args, **kwargs):
    raise Http404
