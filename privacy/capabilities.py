"""Who may exercise a client's APPI rights on her behalf (asked through `core.authz`)."""

from __future__ import annotations

from typing import Any

from core import authz, registry

from .selectors import client_may_be_shared


def _supervisor(user: Any, obj: Any = None) -> bool:
    return authz.is_supervisor(user)


def _her_caseworker(user: Any, client: Any) -> bool:
    # Whoever may open her record may record what she asked for (counselors and supervisors).
    return client is not None and authz.can(user, "cases.view_client", client)


def _disclose(user: Any, client: Any) -> bool:
    return authz.is_supervisor(user) and _her_caseworker(user, client)


def _may_share(user: Any, client: Any) -> bool:
    """Before anything about her goes to a partner (a referral): she consented to sharing, has
    not withdrawn it, and is not anonymised; and the asker may see her."""
    return _her_caseworker(user, client) and client_may_be_shared(client)


for capability in [
    registry.Capability(
        "privacy.disclose_client",
        _disclose,
        "Everything held about a client (開示請求), as a page and JSON: supervisors.",
    ),
    registry.Capability(
        "privacy.request_erasure",
        _her_caseworker,
        "Record her erasure request (削除請求): her counselors and supervisors.",
    ),
    registry.Capability(
        "privacy.decide_erasure", _supervisor, "The erasure queue and its decisions: supervisors."
    ),
    registry.Capability(
        "privacy.withdraw_consent",
        _her_caseworker,
        "Record that she withdrew her consent: her counselors and supervisors.",
    ),
    registry.Capability(
        "privacy.may_share_client",
        _may_share,
        "Her information may go to a partner organisation (asked before every referral).",
    ),
]:
    registry.capabilities.register(capability)
