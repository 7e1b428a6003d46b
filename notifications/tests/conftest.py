import pytest
from django.contrib.auth.models import Group

from accounts.models import Role


@pytest.fixture(autouse=True)
def _role_groups(db):
    """Transactional tests flush the tables, data-migration groups included: put them back."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)
