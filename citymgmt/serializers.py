"""What output serializers share."""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class BuiltOnceFieldsMixin:
    """Build a ModelSerializer's fields once per class, then copy them.

    DRF builds every field of a ModelSerializer again for each instance, by
    reading the model's fields, their validators and translated names: about a
    third of the time of an intake that answers with the case and its timeline.
    The fields depend on the class only (its Meta and declared fields), so the
    first build is kept and later instances get a copy of each field
    (``clone_field``: DRF's own deep copy builds each field again from its
    arguments, which cost a quarter of an intake's CPU).

    Read-only choice fields keep the empty value their model field allows: DRF
    drops ``allow_blank`` from read-only fields, so the OpenAPI schema would
    list the choices without ``""`` while the API sends ``""`` for "not set".
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            _allow_blank_choices(built, getattr(getattr(cls, "Meta", None), "model", None))
            cls._built_fields = built
        return {name: clone_field(field) for name, field in built.items()}


# What binding a field or serializer, or using it, stores on it: a copy starts without them.
_PER_USE = ("fields", "_data", "_errors", "_validated_data", "initial_data", "instance")


def clone_field(field: serializers.Field) -> serializers.Field:
    """An unbound copy of a field as built by ``get_fields``, sharing only what
    nothing changes after construction (choices, validators, querysets, help
    texts). Nested fields are copied too, each bound to its new parent as its
    constructor bound it: the child of a list (``child``) and of a many-related
    field (``child_relation``). A nested serializer's own fields are built
    again on first use, by this mixin when it has it."""
    new = copy.copy(field)
    for name in _PER_USE:
        new.__dict__.pop(name, None)
    for name in ("child", "child_relation"):
        inner = field.__dict__.get(name)
        if isinstance(inner, serializers.Field):
            inner = clone_field(inner)
            inner.parent = new
            new.__dict__[name] = inner
    return new


def _allow_blank_choices(fields: dict, model) -> None:
    if model is None:
        return
    for name, field in fields.items():
        if not (isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank):
            continue
        try:
            model_field = model._meta.get_field(field.source or name)
        except FieldDoesNotExist:  # a declared field whose source is not a model field
            continue
        if isinstance(model_field, models.CharField) and model_field.blank:
            field.allow_blank = True
            field._kwargs["allow_blank"] = True  # a deep copy builds the field again from its arguments


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$", "example": "07:30:00"}
)
class LocalTimeField(serializers.TimeField):
    """A time of day without an offset ("07:30:00"), as the API sends it.

    drf-spectacular documents a TimeField as ``format: time``, which JSON Schema
    reads as RFC 3339's full-time and so requires an offset the API never sends.
    """
