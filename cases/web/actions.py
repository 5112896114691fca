"""Taking a case action from a page: the same body and service as the API.

``run_action`` reads a submitted form with the action's API body serializer
(``cases.api.ACTIONS``), calls its service and returns what happened, so a
page and the API refuse the same things with the same words.
``action_inputs`` describes the inputs of an action for a form template
(``cases/_action_form.html``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from cases.api import ACTIONS
from cases.errors import CaseError
from cases.models import Case
from cases.rules import RULES
from cases.selectors import available_actions
from citymgmt.api import field_errors
from org.models import Department
from org.roles import Role


@dataclass
class Outcome:
    """What became of an action: the case after it, or why it was refused."""

    case: Case | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)  # bad input, by field
    refusal: str = ""  # not allowed now (state) or not for this user (permission)

    @property
    def ok(self) -> bool:
        return self.case is not None

    @property
    def message(self) -> str:
        if self.refusal:
            return self.refusal
        return next((m for messages in self.errors.values() for m in messages), "")


def run_action(action: str, case: Case, user, post: QueryDict, files=None) -> Outcome:
    """Validate the submitted inputs of ``action`` and carry it out on ``case``."""
    spec = ACTIONS[action]
    data = post.copy()
    if files:
        for name in files:
            data.setlist(name, files.getlist(name))
    values = {}
    if spec.body is not None:
        body = spec.body(data=data)
        try:
            body.is_valid(raise_exception=True)
        except ValidationError as exc:
            return Outcome(errors=field_errors(exc.detail))
        values = body.validated_data
    try:
        return Outcome(case=spec.service(case=case, by=user, **values))
    except CaseError as exc:
        if exc.kind == "input":
            return Outcome(errors=exc.fields)
        return Outcome(refusal=exc.message)


@dataclass(frozen=True)
class ActionInput:
    """One input of an action form."""

    name: str
    label: str
    kind: str  # text, textarea, photos, yesno, choice, number, datetime
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()


LONG_TEXT = {"comment", "reason", "result", "note"}
# Labels a person reads, where the API's help text speaks to programmers.
LABELS = {
    "satisfaction": _("满意度"),
    "extra_unit": _("延期单位"),
    "contacted_at": _("联系时间（留空为现在）"),
}
PHOTO_LABELS = {
    "feedback": _("处置后照片"),
    "check-pass": _("核查照片"),
    "check-fail": _("核查照片"),
    "verify-reply": _("核实照片"),
}


def action_inputs(action: str) -> list[ActionInput]:
    """The inputs the form of ``action`` asks for, from its API body serializer."""
    spec = ACTIONS[action]
    if spec.body is None:
        return []
    inputs = []
    for name, body_field in spec.body().fields.items():
        label = str(LABELS.get(name) or body_field.help_text or name)
        if isinstance(body_field, serializers.ListField):
            label = str(PHOTO_LABELS.get(action, _("照片")))
        label = re.sub(r"（multipart[^）]*）", "", label)
        required = bool(getattr(body_field, "required", False)) or type(body_field).__name__ == "RequiredText"
        if isinstance(body_field, serializers.ListField):
            inputs.append(ActionInput(name, label, "photos"))
        elif name == "department":
            inputs.append(ActionInput(name, label, "choice", choices=department_choices()))
        elif name == "inspector":
            inputs.append(ActionInput(name, label, "choice", choices=inspector_choices()))
        elif isinstance(body_field, serializers.BooleanField):
            inputs.append(ActionInput(name, label, "yesno", required=True))
        elif isinstance(body_field, serializers.ChoiceField):
            choices = tuple((str(k), str(v)) for k, v in body_field.choices.items())
            inputs.append(ActionInput(name, label, "choice", required, choices))
        elif isinstance(body_field, serializers.DecimalField):
            inputs.append(ActionInput(name, label, "number", required=True))
        elif isinstance(body_field, serializers.DateTimeField):
            inputs.append(ActionInput(name, label, "datetime"))
        else:
            inputs.append(ActionInput(name, label, "textarea" if name in LONG_TEXT else "text", required))
    return inputs


def row_action_forms(
    case: Case, user, names, *, pending_request: bool, one_click=frozenset(), inputs_of: dict | None = None
) -> list[dict]:
    """The forms of those of ``names`` the user may take on ``case`` now, for a
    list row (``cases/_action_form.html``). ``inputs_of`` caches each action's
    inputs across the rows of one page (their choices are read once)."""
    inputs_of = {} if inputs_of is None else inputs_of
    allowed = available_actions(case, user, pending_request=pending_request)
    forms = []
    for name in names:
        if name not in allowed:
            continue
        if name not in inputs_of:
            inputs_of[name] = action_inputs(name)
        forms.append(
            {
                "name": name,
                "label": action_label(name),
                "inputs": inputs_of[name],
                "form_id": f"{name}-{case.number}",
                "one_click": name in one_click,
                "errors": {},
                "values": {},
            }
        )
    return forms


def department_choices() -> tuple[tuple[str, str], ...]:
    departments = Department.objects.filter(is_active=True).order_by("kind", "code").values_list("code", "name")
    return tuple((code, f"{name}（{code}）") for code, name in departments)


def inspector_choices() -> tuple[tuple[str, str], ...]:
    inspectors = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.INSPECTOR)
        .order_by("username")
        .values_list("username", "first_name", "last_name")
    )
    return tuple((u, f"{(ln + fn).strip() or u}（{u}）") for u, fn, ln in inspectors)


def action_label(action: str) -> str:
    return str(RULES[action].label)
