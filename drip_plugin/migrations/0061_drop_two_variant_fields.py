from django.db import migrations


class Migration(migrations.Migration):
    """After 0060 carried the A/B tests over to StepVariant rows."""

    dependencies = [
        ("drip_plugin", "0060_experiments"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='step',
            name='variant_email',
        ),
        migrations.RemoveField(
            model_name='step',
            name='variant_percent',
        ),
    ]
