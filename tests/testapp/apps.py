from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """An app installed only by the test settings. It registers one of every extension point
    in its `extensions.py`, and the tests in `tests/test_extension_points.py` show each working
    without a line changed in another app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tests.testapp"
    label = "testapp"
