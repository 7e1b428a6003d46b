import pytest

from supplies.models import HANDOUT_KIT, LEAFLET, PADS, PAPER_BAG, Item, Kit, KitComponent

from .factories import PlaceFactory, StorageFactory


@pytest.fixture
def defaults(db):
    """The default items and kit (a data migration makes them; a transactional test's flush
    removes them, so they are made again here)."""
    items = {}
    for order, (code, name, unit, size) in enumerate(
        [
            (PADS, "生理用品（28個入）", "パック", 28),
            (PAPER_BAG, "紙袋", "枚", 1),
            (LEAFLET, "相談窓口案内リーフレット", "部", 1),
        ]
    ):
        items[code], _ = Item.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "pack_size": size, "order": order}
        )
    kit, _ = Kit.objects.get_or_create(code=HANDOUT_KIT, defaults={"name": "配布セット"})
    for item in items.values():
        KitComponent.objects.get_or_create(kit=kit, item=item)
    return items, kit


@pytest.fixture
def pads(defaults):
    return defaults[0][PADS]


@pytest.fixture
def bag(defaults):
    return defaults[0][PAPER_BAG]


@pytest.fixture
def leaflet(defaults):
    return defaults[0][LEAFLET]


@pytest.fixture
def kit(defaults):
    return defaults[1]


@pytest.fixture
def storage(db):
    return StorageFactory()


@pytest.fixture
def site(db):
    return PlaceFactory()
