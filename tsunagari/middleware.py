from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


class RejectNulBytesMiddleware:
    """Answer 400 to a request whose parameters carry a NUL byte.

    PostgreSQL cannot store or compare text containing NUL, so such a value would otherwise
    surface as a server error wherever it reaches a query. No legitimate input contains one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in value for value in _values(request)):
            return render(
                request,
                "400.html",
                {"message": _("The request contained characters that cannot be accepted.")},
                status=400,
            )
        return self.get_response(request)


def _values(request):
    for params in (request.GET, request.POST):
        for key, values in params.lists():
            yield key
            yield from values


# Browser features no page of ours uses: a script that got in still cannot switch them on.
# Only features Chromium knows are listed (an unknown one is reported in the console).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, on every response that reaches it.

    - `Permissions-Policy`: see PERMISSIONS_POLICY.
    - `Cache-Control: no-store`: almost every page, export and error page shows special-care
      data, and a page a shared or lost computer keeps in its cache outlives the session. It is
      set on everything but static files (WhiteNoise answers those before this runs), which is
      simpler and safer than deciding page by page.

    It sits near the top of the middleware list, so the answers of the middleware below it
    (a refused NUL byte, a CSRF failure, a lockout) carry the headers too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Django's never_cache, on every response: max-age=0, no-cache, no-store,
        # must-revalidate, private (merged into what a view set, which cannot loosen it).
        add_never_cache_headers(response)
        return response
