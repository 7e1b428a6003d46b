import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.authz import Denied

from .decorators import AccessSpec, declare
from .models import AccessLog
from .services import access_log_record, from_trusted_proxy

_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id, so an access-log row can be matched with the server logs.

    A well-formed X-Request-ID is kept only when it comes from our reverse proxy
    (`TRUSTED_PROXY_IPS`); from anyone else it is ignored and an id generated here, so a
    client cannot make her rows carry someone else's request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        trusted = _VALID.match(incoming) and from_trusted_proxy(request)
        request.request_id = incoming if trusted else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


def _shows_page(response: HttpResponse) -> bool:
    # A rendered page: 2xx, or a form sent back with its errors (400). Redirects, refusals and
    # errors show nothing.
    return 200 <= response.status_code < 300 or response.status_code == 400


class AccessLogMiddleware:
    """The one place access-log rows are written.

    - A page that declares what it shows (`audit.decorators.logs_access`, or the admin site
      per request) writes a row for each response it renders, whatever the view did inside.
    - A `core.authz.Denied` (the 404 for someone else's record or a page the role does not
      have) writes a "denied" row: user, object type, attempted id, IP, request id; never the
      body or the query string. So probing shows up in the log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        declared = getattr(request, "access_log", None)
        if (
            declared is not None
            and not getattr(request, "_access_log_raised", False)
            and request.user.is_authenticated
            and _shows_page(response)
        ):
            spec, kwargs = declared
            action, object_type, object_id = spec.row(request, kwargs)
            access_log_record(
                request=request, action=action, object_type=object_type, object_id=object_id
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        spec = getattr(view_func, "access_log", None)
        if isinstance(spec, AccessSpec):
            declare(request, spec, view_kwargs)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # The view raised: whatever it declared, it showed nothing.
        request._access_log_raised = True
        if isinstance(exception, Denied) and request.user.is_authenticated:
            access_log_record(
                request=request,
                action=AccessLog.Action.DENIED,
                object_type=exception.object_type,
                object_id=exception.object_id,
            )
