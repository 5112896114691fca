"""Who is asking: API tokens and the user of a browser session."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from org.selectors import remember_staff, with_staff


class ProfileTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` (DOMAIN.md §11), as DRF's own, reading the
    user's staff profile and roles in the same query (``org.selectors.with_staff``)."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = with_staff(model.objects.all(), "user").get(key=key)
        except model.DoesNotExist as exc:
            raise AuthenticationFailed(_("Invalid token.")) from exc
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        remember_staff(token, token.user)
        return (token.user, token)


class StaffBackend(ModelBackend):
    """Django's username and password backend; the user of each session
    request is read with their staff profile and roles in one query."""

    def get_user(self, user_id):
        try:
            user = with_staff(get_user_model()._default_manager.all()).get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        remember_staff(user, user)
        return user if self.user_can_authenticate(user) else None
