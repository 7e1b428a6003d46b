"""LINE channel: who may do what (asked through `core.authz`)."""

from __future__ import annotations

from typing import Any

from core import authz, registry


def _inbox(user: Any, obj: Any = None) -> bool:
    return authz.is_counselor(user) or authz.is_supervisor(user)


for capability in [
    registry.Capability(
        "line.work_with_conversations",
        _inbox,
        "Read LINE conversations, claim, reply and close them: counselors and supervisors.",
    ),
    registry.Capability(
        "line.use_inbox",
        lambda user, obj: _inbox(user) or authz.is_expert(user),
        "The LINE inbox: counselors and supervisors; an expert, scoped to the conversations "
        "routed to her on her expert days (`line.selectors.conversations_for`).",
    ),
    registry.Capability(
        "line.route_to_experts",
        _inbox,
        "Route a waiting or claimed conversation to the expert of today's expert day: "
        "counselors and supervisors.",
    ),
    registry.Capability(
        "line.send_session_invitations",
        lambda user, obj: _inbox(user) or authz.is_coordinator(user),
        "Send a LINE invitation to a peer-support session: coordinators and supervisors to "
        "every registered woman, a counselor to the women she may see.",
    ),
    registry.Capability(
        "line.edit_autoreplies",
        lambda user, obj: authz.is_coordinator(user) or authz.is_supervisor(user),
        "The texts of the automatic replies: coordinators and supervisors.",
    ),
    registry.Capability(
        "line.supervise_conversations",
        lambda user, obj: authz.is_supervisor(user),
        "The live view of every open conversation, taking one over, answering escalations: "
        "supervisors.",
    ),
    registry.Capability(
        "line.edit_canned_responses",
        lambda user, obj: authz.is_coordinator(user) or authz.is_supervisor(user),
        "The canned responses counselors insert into a reply: coordinators and supervisors.",
    ),
    registry.Capability(
        "line.change_settings",
        lambda user, obj: authz.is_supervisor(user),
        "The channel's settings (her LINE profile shown to counselors or not): supervisors.",
    ),
    registry.Capability(
        "line.use_simulator",
        lambda user, obj: authz.is_staff_member(user),
        "The developers' LINE simulator (DEBUG only): any staff member.",
    ),
]:
    registry.capabilities.register(capability)
