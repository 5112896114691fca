from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from org.roles import START_PAGES, WORKSPACE_LINKS, Role
from org.selectors import user_roles


@login_required
def home(request):
    """Send each person to the start page of the first role they hold."""
    held = user_roles(request.user)
    for role in Role:
        if role.value in held:
            return redirect("start", role=role.value)
    return render(request, "org/no_role.html", status=403)


@login_required
def start(request, role: str):
    if role not in Role.values:
        raise Http404
    if role not in user_roles(request.user):
        return render(request, "org/no_role.html", {"role": Role(role)}, status=403)
    context = {
        "role": Role(role),
        "current_role": role,
        "links": WORKSPACE_LINKS.get(role, []),
        "coming": START_PAGES[role],
    }
    return render(request, "org/start.html", context)
