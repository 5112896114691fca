"""CaseFilter builds its form once per language (cases.filters.CaseFilter.get_form_class):
the same form django-filter builds for each request, in the reader's language."""

from django.utils import translation
from django_filters.rest_framework import FilterSet

from cases.filters import CaseFilter
from cases.models import Case


def _labels(form_class) -> dict[str, str]:
    return {name: str(field.label) for name, field in form_class.base_fields.items()}


def test_the_kept_form_equals_a_fresh_one_in_each_language(db):
    seen = {}
    for language in ("zh-hans", "en", "zh-hans"):
        with translation.override(language):
            kept = CaseFilter(data={}, queryset=Case.objects.none()).get_form_class()
            fresh = FilterSet.get_form_class(CaseFilter(data={}, queryset=Case.objects.none()))
            assert list(kept.base_fields) == list(fresh.base_fields)
            assert _labels(kept) == _labels(fresh)
            assert CaseFilter(data={}, queryset=Case.objects.none()).get_form_class() is kept
            seen.setdefault(language, kept)
            assert seen[language] is kept
    assert seen["zh-hans"] is not seen["en"]


def test_bad_values_are_still_refused_with_the_kept_form(db):
    with translation.override("en"):
        first = CaseFilter(data={"urgency": "soon"}, queryset=Case.objects.none())
        assert not first.is_valid() and "urgency" in first.errors
        second = CaseFilter(data={"urgency": "urgent"}, queryset=Case.objects.none())
        assert second.is_valid(), second.errors
