"""What output serializers share."""

from __future__ import annotations

import copy


class BuiltOnceFieldsMixin:
    """Build a ModelSerializer's fields once per class, then copy them.

    DRF builds every field of a ModelSerializer again for each instance, by
    reading the model's fields, their validators and translated names: about a
    third of the time of an intake that answers with the case and its timeline.
    The fields depend on the class only (its Meta and declared fields), so the
    first build is kept and later instances get a deep copy, which is how DRF
    itself copies declared fields.
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)
