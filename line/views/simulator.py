"""The LINE simulator (developers only, DEBUG): posts signed events to our own webhook over
HTTP, as LINE would for a friend, so the inbox can be tried without a LINE account."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import authz

from .. import webhook
from ..forms import SimulatorForm


def simulated_event(*, kind: str, line_user_id: str, text: str = "") -> dict:
    """One event as LINE sends it for a one-to-one chat."""
    now_ms = int(time.time() * 1000)
    event: dict = {
        "type": "message",
        "mode": "active",
        "timestamp": now_ms,
        "source": {"type": "user", "userId": line_user_id},
        "webhookEventId": "SIM" + secrets.token_hex(13).upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": secrets.token_hex(16),
    }
    message_id = str(secrets.randbelow(10**18))
    if kind == SimulatorForm.Event.FOLLOW:
        event.update(type="follow", follow={"isUnblocked": False})
    elif kind == SimulatorForm.Event.UNFOLLOW:
        event.update(type="unfollow")
        del event["replyToken"]
    elif kind == SimulatorForm.Event.STICKER:
        event["message"] = {
            "id": message_id,
            "type": "sticker",
            "packageId": "446",
            "stickerId": "1988",
            "stickerResourceType": "STATIC",
        }
    elif kind == SimulatorForm.Event.IMAGE:
        event["message"] = {"id": message_id, "type": "image", "contentProvider": {"type": "line"}}
    else:
        event["message"] = {"id": message_id, "type": "text", "text": text, "quoteToken": "q"}
    return event


@login_required
@require_http_methods(["GET", "POST"])
def simulator(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG:
        raise Http404
    authz.require(request.user, "line.use_simulator")
    form = SimulatorForm(
        request.POST or None, initial={"line_user_id": "U" + secrets.token_hex(16), "event": "text"}
    )
    secret = settings.LINE_CHANNEL_SECRET
    if request.method == "POST":
        if not form.is_valid() or not secret:
            if not secret:
                form.add_error(None, _("Set LINE_CHANNEL_SECRET to use the simulator."))
            return render(request, "line/simulator.html", {"form": form}, status=400)
        data = form.cleaned_data
        body = json.dumps(
            {
                "destination": "Usimulator",
                "events": [
                    simulated_event(
                        kind=data["event"], line_user_id=data["line_user_id"], text=data["text"]
                    )
                ],
            },
            ensure_ascii=False,
        ).encode()
        post = urllib.request.Request(
            request.build_absolute_uri(reverse("line:webhook")),
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "x-line-signature": webhook.sign(body, secret),
            },
        )
        try:
            with urllib.request.urlopen(post, timeout=5) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError):
            status = None
        if status == 200:
            messages.success(request, _("The webhook took the event."))
        else:
            messages.error(
                request,
                _("The webhook answered %(status)s.") % {"status": status or _("nothing")},
            )
        # The same friend next time, kept in the session (a LINE user id never goes in a URL).
        request.session["line_simulator_user"] = data["line_user_id"]
        return redirect("line:simulator")
    if user := request.session.get("line_simulator_user"):
        form.initial["line_user_id"] = user
    return render(request, "line/simulator.html", {"form": form})
