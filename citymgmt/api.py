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

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
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
    return exception_handler(exc, context)


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


class ApiPagination(PageNumberPagination):
    """``{count, next, previous, results}``; 20 a page, ``page_size`` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


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
