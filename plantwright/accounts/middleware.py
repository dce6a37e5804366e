import zoneinfo

from django.utils import timezone

from plantwright.accounts.models import Site
from plantwright.accounts.selectors import roles_by_site


class SiteTimezoneMiddleware:
    """Show times in the time zone of the user's (first) site; data stays UTC in the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = None
        if request.user.is_authenticated and hasattr(request, "session"):
            tz_name = request.session.get("pw_tz")
            if tz_name is None:
                site_ids = sorted(roles_by_site(request.user))
                site = Site.objects.filter(pk__in=site_ids[:1]).only("timezone").first()
                tz_name = site.timezone if site else ""
                request.session["pw_tz"] = tz_name
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)
