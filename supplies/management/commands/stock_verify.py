"""python manage.py stock_verify: every balance recomputed from the ledger (aggregate queries,
not row by row); exits non-zero when any differs."""

from django.core.management.base import BaseCommand, CommandError

from supplies.models import Item, Place
from supplies.services.verify import stock_verify


class Command(BaseCommand):
    help = "Recompute every stock balance from the ledger; fail on any difference."

    def handle(self, *args, **options):
        differences = stock_verify()
        if not differences:
            self.stdout.write("stock_verify: every balance equals the ledger.")
            return
        items = dict(Item.objects.values_list("pk", "code"))
        places = dict(Place.objects.values_list("pk", "name"))
        for d in differences:
            self.stderr.write(
                f"{items.get(d.item_id, d.item_id)} @ {places.get(d.place_id, d.place_id)}: "
                f"balance {d.balance}, ledger {d.ledger}"
            )
        raise CommandError(f"{len(differences)} balances differ from the ledger.")
