from core import authz


def roles(request) -> dict:
    """The role names she holds, for display; checks go through `{% load authz %}` (`can`)."""
    return {"roles": authz.role_codes(getattr(request, "user", None))}
