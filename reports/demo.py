"""Demo statistics: the figures of the demo cases, and their past months frozen."""

from django.utils import timezone

from reports import assessment, stats
from reports.models import AssessmentScheme


def seed_reports() -> dict:
    """This year's assessment scheme (the defaults of DOMAIN.md §7), every month's
    figures from scratch, and the months past their settle period frozen."""
    AssessmentScheme.objects.get_or_create(year=timezone.localdate().year)
    months = stats.rebuild()
    frozen = assessment.freeze_due_months()
    return {"months": len(months), "frozen": len(frozen)}
