"""Serializers copy their once-built fields per instance (citymgmt.serializers.clone_field)
instead of DRF's deep copy: the answers must be the same, and no two instances may share
a bound field, or one request's context (who is asking: masking) would leak into another's."""

from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from cases.api import as_new
from cases.privacy import mask_phone
from cases.serializers import CaseSerializer, IntakeResultSerializer
from citymgmt.serializers import BuiltOnceFieldsMixin
from tests.cases.conftest import report_case

PHONE = "13812345678"  # report_case's caller


def _context(user, **more) -> dict:
    request = APIRequestFactory().get("/api/v1/cases/")
    request.user = user
    return {"request": request, **more}


def _drf_fields(self):
    """DRF's own way: every instance builds (and deep-copies) its fields."""
    return super(BuiltOnceFieldsMixin, self).get_fields()


def test_answers_equal_drf_building_the_fields_each_time(world, monkeypatch):
    case = report_case(world)
    duplicates = [{"number": "2026111800001", "status": "reported", "reasons": ["同一来电号码"], "distance_m": None}]
    readers = (world.operator, world.leader, world.handler_a)
    ours = [
        IntakeResultSerializer(as_new(case), context=_context(user, duplicates=duplicates)).data for user in readers
    ]
    monkeypatch.setattr(BuiltOnceFieldsMixin, "get_fields", _drf_fields)
    theirs = [
        IntakeResultSerializer(as_new(case), context=_context(user, duplicates=duplicates)).data for user in readers
    ]
    assert ours == theirs
    assert ours[0]["events"][0]["action"] == "report"
    assert ours[0]["possible_duplicates"][0]["number"] == "2026111800001"
    assert [answer["caller_phone"] for answer in ours] == [PHONE, mask_phone(PHONE), mask_phone(PHONE)]


def test_instances_share_no_bound_field(world):
    case = report_case(world)
    first = IntakeResultSerializer(as_new(case), context=_context(world.operator))
    second = IntakeResultSerializer(as_new(case), context=_context(world.leader))
    for name, field in first.fields.items():
        assert field is not second.fields[name], name
        assert (field.parent, second.fields[name].parent) == (first, second), name
    events, other_events = first.fields["events"], second.fields["events"]
    assert isinstance(events, serializers.ListSerializer)
    assert events.child is not other_events.child and events.child.parent is events
    photos = events.child.fields["photos"]
    assert photos.child.parent is photos and photos.root is first
    assert other_events.child.fields["photos"].root is second


def test_each_instance_masks_for_its_own_reader_when_rendered_interleaved(world):
    case = report_case(world)
    readers = [world.operator, world.leader, world.dispatcher, world.handler_a]
    made = [CaseSerializer(as_new(case), context=_context(user)) for user in readers]
    phones = {user.username: made[i].data["caller_phone"] for i, user in reversed(list(enumerate(readers)))}
    assert phones == {
        world.operator.username: PHONE,
        world.leader.username: mask_phone(PHONE),
        world.dispatcher.username: PHONE,
        world.handler_a.username: mask_phone(PHONE),
    }
