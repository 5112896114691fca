from django.apps import AppConfig


class CitymgmtConfig(AppConfig):
    name = "citymgmt"
    verbose_name = "citymgmt"
