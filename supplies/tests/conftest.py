import pytest

from supplies.models import HANDOUT_KIT, LEAFLET, PADS, PAPER_BAG, Item, Kit

from .factories import PlaceFactory, StorageFactory


@pytest.fixture
def pads(db):
    return Item.objects.get(code=PADS)


@pytest.fixture
def bag(db):
    return Item.objects.get(code=PAPER_BAG)


@pytest.fixture
def leaflet(db):
    return Item.objects.get(code=LEAFLET)


@pytest.fixture
def kit(db):
    return Kit.objects.get(code=HANDOUT_KIT)


@pytest.fixture
def storage(db):
    return StorageFactory()


@pytest.fixture
def site(db):
    return PlaceFactory()
