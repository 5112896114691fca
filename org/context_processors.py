from org.roles import Role
from org.selectors import user_roles


def staff(request) -> dict:
    """The roles of the signed-in user, in start-page order, for the navigation."""
    held = user_roles(request.user)
    return {"my_roles": [role for role in Role if role.value in held]}
