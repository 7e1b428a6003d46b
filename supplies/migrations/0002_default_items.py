"""The default items (domain.md) and the handout kit: one pack, one paper bag, one leaflet."""

from django.db import migrations

ITEMS = [
    ("pads_28", "生理用品（28個入）", "パック", 28, 1),
    ("paper_bag", "紙袋", "枚", 1, 2),
    ("leaflet", "相談窓口案内リーフレット", "部", 1, 3),
]


def create(apps, schema_editor):
    Item = apps.get_model("supplies", "Item")
    Kit = apps.get_model("supplies", "Kit")
    KitComponent = apps.get_model("supplies", "KitComponent")
    items = {}
    for code, name, unit, pack_size, order in ITEMS:
        items[code], _ = Item.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "pack_size": pack_size, "order": order}
        )
    kit, _ = Kit.objects.get_or_create(code="handout", defaults={"name": "配布セット"})
    for item in items.values():
        KitComponent.objects.get_or_create(kit=kit, item=item, defaults={"quantity": 1})


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
