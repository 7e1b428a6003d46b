from django.conf import settings
from django.db import models


class Visit(models.Model):
    """A record an app keeps about a client: it must follow her when two records are merged,
    show on her case's timeline and be seeded (and deleted) with the demo data."""

    client = models.ForeignKey("cases.Client", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    place = models.CharField(max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.place
