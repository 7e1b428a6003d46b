#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagari.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, which validate the environment
    except ImproperlyConfigured as exc:
        # A plain sentence, not a traceback: the message already names the variable to set.
        sys.exit(
            f"manage.py: {exc}\n(For development, `make run`, `make test` and `make lint` set "
            "DATABASE_URL, REDIS_URL and DEBUG for you; see .env.example.)"
        )
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
