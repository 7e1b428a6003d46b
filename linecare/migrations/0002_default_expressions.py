"""The triage list the programme starts with (linecare.defaults); coordinators edit it."""

from django.db import migrations


def load(apps, schema_editor):
    from core.text import triage_key
    from linecare.defaults import DEFAULTS

    RiskExpression = apps.get_model("linecare", "RiskExpression")
    rows, seen = [], set()
    for category, (matches, exceptions) in DEFAULTS.items():
        for kind, phrases in (("match", matches), ("exception", exceptions)):
            for phrase in phrases:
                key = triage_key(phrase)
                if key and (category, kind, key) not in seen:
                    seen.add((category, kind, key))
                    rows.append(
                        RiskExpression(category=category, kind=kind, phrase=phrase, phrase_key=key)
                    )
    RiskExpression.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("linecare", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
