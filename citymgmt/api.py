"""What every API view shares: the error body and the page shape (DOMAIN.md §11).

This module must not import views: DRF reads DEFAULT_PAGINATION_CLASS while
``rest_framework.generics`` is being imported, so a view import here would be
circular.

Every refusal has one shape, whichever view raised it::

    {"detail": "<message>"}                                  401, 403, 404, 405, 409
    {"detail": "<first message>", "errors": {field: [...]}}  400

A ``cases.errors.CaseError`` maps to 409 (state), 403 (permission) or 400
(input); DRF's own validation errors (serializers, filters) get the same 400 shape.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.http import FileResponse, Http404, JsonResponse
from django.utils.translation import gettext as _
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cases.errors import CaseError


def api_exception_handler(exc, context):
    if isinstance(exc, CaseError):
        body = {"detail": exc.message}
        if exc.kind == "input":
            body["errors"] = exc.fields
        return Response(body, status=exc.http_status)
    if isinstance(exc, ValidationError):
        errors = field_errors(exc.detail)
        first = next((messages[0] for messages in errors.values() if messages), "")
        return Response({"detail": first, "errors": errors}, status=exc.status_code)
    response = exception_handler(exc, context)
    if response is not None and response.status_code == 400 and "errors" not in response.data:
        # A body that is not JSON or not a form (ParseError): the same 400 shape,
        # its message as the error of the body as a whole.
        response.data = {"detail": str(response.data.get("detail", "")), "errors": {"non_field_errors": []}}
        response.data["errors"]["non_field_errors"].append(response.data["detail"])
    return response


def field_errors(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as ``{field: [message, ...]}``.

    A list field reports ``{index: [messages]}`` per item and a non-field error
    comes as a bare list; both are flattened so clients read one shape.
    """
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [m for item in value.values() for m in _messages(item)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


def not_found(request, exception=None):
    """The 404 page (``handler404`` in citymgmt/urls.py): under /api/ the JSON
    refusal every API view gives, e.g. for ``/api/v1/photos/abc/``, which no
    route matches; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


# The router's default lookup pattern, ``[^/.]+``, leaves an id such as "0.5" or a
# code with a dot to Django's HTML 404 page; any path segment reaches the view
# instead, which answers a JSON 404 for what it cannot find.
ANY_SEGMENT = "[^/]+"


class ApiPagination(PageNumberPagination):
    """``{count, next, previous, results}``; 20 a page, ``page_size`` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


# --- moments in query parameters ---------------------------------------------------------


def as_utc(moment: datetime) -> datetime:
    """An aware moment in UTC, or ValueError when it has no UTC equivalent.

    Python accepts offsets up to ±23:59 and PostgreSQL only up to ±15:59, so a
    moment is compared in UTC; "year 1 at +08:00" has no UTC (OverflowError)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(str(exc)) from exc


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return as_utc(moment)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(IsoDateTimeFilter):
    """django-filter's ISO date-time filter, compared in UTC (``as_utc``)."""

    field_class = UtcIsoDateTimeField


# --- documentation of the error bodies (drf-spectacular) ---------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="说明原因的消息（按 Accept-Language 的语言）。")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="字段名 → 该字段的错误消息。",
    )


ERROR_RESPONSES = {
    400: ValidationErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


def photo_response(stored, content_type: str) -> FileResponse:
    """An uploaded photo's file to a reader the caller's queryset has already
    scoped (case and inspection photos alike): never a public file, cached only
    by the reader's own browser. A file missing from the store is a 404."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("照片文件不存在。")) from exc
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=86400"
    return response
