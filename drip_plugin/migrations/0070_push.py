import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Web push: push steps and the notifications editors write for them, and browsers'
    subscriptions with the proof of their opt-in."""

    dependencies = [
        ('drip_plugin', '0063_short_links'),
        # Revision exists since wagtailcore 0070 (Wagtail 4.0): not the newest, which Wagtail 7.0 lacks.
        ('wagtailcore', '0070_rename_pagerevision_revision'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='step',
            name='kind',
            field=models.CharField(choices=[('email', 'Send an email'), ('sms', 'Send an SMS'), ('push', 'Send a browser notification (web push)'), ('wait', 'Wait only'), ('branch', 'Branch on a condition'), ('update', 'Update a contact attribute'), ('exit', 'Exit the sequence')], default='email', max_length=10, verbose_name='step'),
        ),
        migrations.CreateModel(
            name='PushNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('live', models.BooleanField(default=True, editable=False, verbose_name='live')),
                ('has_unpublished_changes', models.BooleanField(default=False, editable=False, verbose_name='has unpublished changes')),
                ('first_published_at', models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='first published at')),
                ('last_published_at', models.DateTimeField(editable=False, null=True, verbose_name='last published at')),
                ('go_live_at', models.DateTimeField(blank=True, null=True, verbose_name='go live date/time')),
                ('expire_at', models.DateTimeField(blank=True, null=True, verbose_name='expiry date/time')),
                ('expired', models.BooleanField(default=False, editable=False, verbose_name='expired')),
                ('locked', models.BooleanField(default=False, editable=False, verbose_name='locked')),
                ('locked_at', models.DateTimeField(editable=False, null=True, verbose_name='locked at')),
                ('name', models.CharField(help_text="For editors only, e.g. 'Cart reminder push'.", max_length=200, verbose_name='name')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('body', models.TextField(blank=True, max_length=1000, verbose_name='text')),
                ('url', models.CharField(blank=True, help_text="Opened when the notification is clicked, e.g. {{ cart.restore_url }}; a path such as /cart/ is on the shop's site.", max_length=1000, verbose_name='link')),
                ('icon', models.CharField(blank=True, help_text='URL of a square image (192×192).', max_length=1000, verbose_name='icon')),
                ('latest_revision', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='latest revision')),
                ('live_revision', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='live revision')),
                ('locked_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='locked_%(class)ss', to=settings.AUTH_USER_MODEL, verbose_name='locked by')),
            ],
            options={
                'verbose_name': 'push notification',
            },
        ),
        migrations.AddField(
            model_name='step',
            name='push',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='steps', to='drip_plugin.pushnotification', verbose_name='browser notification'),
        ),
        migrations.CreateModel(
            name='PushSubscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('endpoint', models.URLField(max_length=1024, unique=True, verbose_name='endpoint')),
                ('p256dh', models.CharField(max_length=100)),
                ('auth', models.CharField(max_length=32)),
                ('user_agent', models.CharField(blank=True, max_length=300, verbose_name='browser')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='subscribed at')),
                ('last_success_at', models.DateTimeField(blank=True, null=True, verbose_name='last delivered')),
                ('consent_source', models.CharField(blank=True, max_length=100, verbose_name='consent source')),
                ('consent_text', models.TextField(blank=True, verbose_name='consent text shown')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='push_subscriptions', to='drip_plugin.contact')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='drip_push_subscriptions', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'push subscription',
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('contact__isnull', False), ('user__isnull', True)), models.Q(('contact__isnull', True), ('user__isnull', False)), _connector='OR'), name='drip_push_subscription_one_owner')],
            },
        ),
    ]
