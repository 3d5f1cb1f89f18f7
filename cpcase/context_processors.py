from django.conf import settings
from django.urls import reverse

from cpcase import access
from cpcase.middleware import session_seconds_left
from cpcase.selectors import notifications_unread_count


def service(request):
    context = {"service_name": settings.SERVICE_NAME}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and not is_verified():
        # Signed in with a password only: nothing to offer but the second factor.
        context.update(navigation=[], second_factor_pending=True)
        return context

    path = request.path
    items = [{"text": "Home", "href": reverse("home")}]
    if access.may_see_my_week(user):
        items.append({"text": "My week", "href": reverse("my-week")})
    if access.may_list_children(user):
        items.append({"text": "Children", "href": reverse("child-search")})
    if access.may_list_visits(user):
        items.append({"text": "Visits", "href": reverse("team-visits")})
    if access.may_chair_conferences(user):
        items.append({"text": "Conferences", "href": reverse("conference-list")})
    if access.may_resolve_disagreements(user):
        items.append({"text": "Disagreements", "href": reverse("disagreement-list")})
    if access.may_search_register(user):
        items.append({"text": "Register", "href": reverse("register-home")})
    if access.may_read_measures(user):
        items.append({"text": "Measures", "href": reverse("measures")})
    for item in items:
        item["current"] = path == item["href"] or (
            item["href"] != "/" and path.startswith(item["href"])
        )
    context.update(
        navigation=items,
        unread_notifications=notifications_unread_count(user=user),
        authority_name=user.authority.name if user.authority_id else "",
        # For the warning on long forms two minutes before the session ends.
        session_seconds=session_seconds_left(request),
    )
    return context
