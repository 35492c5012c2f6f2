# Product recommendations learned from events (drip_plugin.recommendations), hand-reviewed.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0075_send_time_optimisation'),
    ]

    operations = [
        migrations.CreateModel(
            name='LearningCursor',
            fields=[
                ('name', models.CharField(max_length=50, primary_key=True, serialize=False)),
                ('event_id', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='Product',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=255, unique=True, verbose_name='product id or SKU')),
                ('name', models.CharField(blank=True, max_length=255, verbose_name='name')),
                ('url', models.CharField(blank=True, max_length=2000, verbose_name='link')),
                ('image_url', models.CharField(blank=True, max_length=2000, verbose_name='image URL')),
                ('price', models.CharField(blank=True, max_length=32, verbose_name='price')),
                ('currency', models.CharField(blank=True, max_length=3, verbose_name='currency')),
                ('popularity', models.FloatField(blank=True, null=True)),
                ('updated_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'product',
                'indexes': [models.Index(fields=['popularity'], name='drip_product_popularity')],
            },
        ),
        migrations.CreateModel(
            name='ContactProduct',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('viewed_at', models.DateTimeField(blank=True, null=True)),
                ('bought_at', models.DateTimeField(blank=True, null=True)),
                ('in_cart', models.BooleanField(default=False)),
                ('contact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='drip_plugin.contact')),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='drip_plugin.product')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('contact', 'product'), name='drip_contact_product_once')],
            },
        ),
        migrations.CreateModel(
            name='ProductPair',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('orders', models.PositiveIntegerField()),
                ('other', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='drip_plugin.product')),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='drip_plugin.product')),
            ],
            options={
                'indexes': [models.Index(fields=['product', '-orders'], name='drip_product_pair_top')],
                'constraints': [models.UniqueConstraint(fields=('product', 'other'), name='drip_product_pair_once')],
            },
        ),
    ]
