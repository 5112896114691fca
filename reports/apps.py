from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计考评")

    def ready(self) -> None:
        from reports import signals  # noqa: F401
