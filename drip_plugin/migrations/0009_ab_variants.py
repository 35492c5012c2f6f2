# A/B variants (mission: A/B tests per step). Reviewed: additive; existing steps
# get no variant email (so no test) and existing messages an empty variant.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0008_email_blocks_and_layouts'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='variant',
            field=models.CharField(blank=True, help_text='A or B on A/B-tested steps', max_length=1),
        ),
        migrations.AddField(
            model_name='step',
            name='variant_email',
            field=models.ForeignKey(blank=True, help_text='Optional: test another email against the one above.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='variant_steps', to='drip_plugin.email', verbose_name='variant B email'),
        ),
        migrations.AddField(
            model_name='step',
            name='variant_percent',
            field=models.PositiveSmallIntegerField(default=50, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(99)], verbose_name='share getting B (%)'),
        ),
    ]
