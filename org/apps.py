from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs) -> None:
    from org.roles import sync_role_groups

    sync_role_groups()


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("区划与组织")

    def ready(self) -> None:
        from org import signals  # noqa: F401  (connects the receivers)

        # Runs after each app's migrations; permissions of every app exist by the
        # last call, and the sync is idempotent, so the end state is complete.
        post_migrate.connect(_sync_roles, dispatch_uid="org.sync_roles")
