# Every client's nickname search key and its pieces, then the rule that no nickname is
# without them.

from django.db import migrations, models

from core.text import key_grams, search_key

BATCH = 2000


def fill_search_columns(apps, schema_editor):
    Client = apps.get_model('cases', 'Client')
    batch = []
    # Only these columns change, and the history trigger (0007) leaves them out: no history
    # rows are written.
    for client in Client.objects.only('pk', 'nickname').order_by('pk').iterator(BATCH):
        client.nickname_key = search_key(client.nickname)
        client.nickname_grams = key_grams(client.nickname_key)
        batch.append(client)
        if len(batch) == BATCH:
            Client.objects.bulk_update(batch, ['nickname_key', 'nickname_grams'])
            batch = []
    if batch:
        Client.objects.bulk_update(batch, ['nickname_key', 'nickname_grams'])


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_client_nickname_key'),
    ]

    operations = [
        migrations.RunPython(fill_search_columns, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name='client',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('nickname_key', ''), _negated=True), models.Q(('nickname_grams', []), _negated=True)), name='cases_client_nickname_key_set'),
        ),
    ]
