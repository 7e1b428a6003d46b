# Nickname search by search key (core.text.search_key): the key and its 1- and 2-character
# pieces, their GIN index (in place of the trigram index on the nickname, which no search uses
# any more), and the history trigger that leaves both out of the history rows. 0008 fills them
# in; the index exists first, so those updates maintain it (an index built over rows updated
# just before, in the same transaction, stays unusable to older snapshots for a while).

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_append_only_no_truncate'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='client',
            name='update_update',
        ),
        migrations.AddField(
            model_name='client',
            name='nickname_key',
            field=models.TextField(default='', editable=False, verbose_name='nickname search key'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='client',
            name='nickname_grams',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), default=list, editable=False, size=None, verbose_name='nickname search pieces'),
            preserve_default=False,
        ),
        migrations.RemoveIndex(
            model_name='client',
            name='cases_client_nickname_trgm',
        ),
        migrations.AddIndex(
            model_name='client',
            index=django.contrib.postgres.indexes.GinIndex(fields=['nickname_grams'], name='cases_client_nickname_grams'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='client',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."age_band" IS DISTINCT FROM (NEW."age_band") OR OLD."consent_given_on" IS DISTINCT FROM (NEW."consent_given_on") OR OLD."consent_method" IS DISTINCT FROM (NEW."consent_method") OR OLD."consent_recorded_by_id" IS DISTINCT FROM (NEW."consent_recorded_by_id") OR OLD."consent_scope" IS DISTINCT FROM (NEW."consent_scope") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."employment" IS DISTINCT FROM (NEW."employment") OR OLD."first_contact_at" IS DISTINCT FROM (NEW."first_contact_at") OR OLD."heard_from" IS DISTINCT FROM (NEW."heard_from") OR OLD."household" IS DISTINCT FROM (NEW."household") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."last_contact_at" IS DISTINCT FROM (NEW."last_contact_at") OR OLD."line_user_id" IS DISTINCT FROM (NEW."line_user_id") OR OLD."merged_into_id" IS DISTINCT FROM (NEW."merged_into_id") OR OLD."nickname" IS DISTINCT FROM (NEW."nickname") OR OLD."phone" IS DISTINCT FROM (NEW."phone") OR OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."updated_at" IS DISTINCT FROM (NEW."updated_at") OR OLD."ward" IS DISTINCT FROM (NEW."ward"))', func='INSERT INTO "cases_clientevent" ("age_band", "consent_given_on", "consent_method", "consent_recorded_by_id", "consent_scope", "created_at", "created_by_id", "employment", "first_contact_at", "heard_from", "household", "id", "last_contact_at", "line_user_id", "merged_into_id", "nickname", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "status", "updated_at", "ward") VALUES (NEW."age_band", NEW."consent_given_on", NEW."consent_method", NEW."consent_recorded_by_id", NEW."consent_scope", NEW."created_at", NEW."created_by_id", NEW."employment", NEW."first_contact_at", NEW."heard_from", NEW."household", NEW."id", NEW."last_contact_at", NEW."line_user_id", NEW."merged_into_id", NEW."nickname", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."phone", NEW."status", NEW."updated_at", NEW."ward"); RETURN NULL;', hash='0887953aa0e3c14f16d37abdb6473b282177e635', operation='UPDATE', pgid='pgtrigger_update_update_8b7f5', table='cases_client', when='AFTER')),
        ),
    ]
