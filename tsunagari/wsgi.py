"""
WSGI config for tsunagari project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagari.settings")

application = get_wsgi_application()


def _warm() -> None:
    """Import every view (through the URLconf) and load the translation catalogues now, while
    the worker starts, not on its first requests: the first LINE deliveries after a restart
    took 1-4 s, most of it importing the views under the import lock that every other thread
    waited on, where LINE allows 2 s."""
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view module)
    for language in ("ja", "en"):
        with translation.override(language):
            translation.gettext("Japanese")


_warm()
