from django.shortcuts import render
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
