"""Storage per delivered message (issue 23, goal 4): drop the indexes no
query needs. Each one dropped here is either a prefix of another index
(a lookup by its column uses the longer one) or a varchar_pattern_ops copy
that only serves LIKE, which drip never runs on these columns; bench/storage.py
measures the saving, the EXPLAINs are in bench/RESULTS.md.

- Event.contact: drip_event_contact_name (contact_id, name, occurred_at) serves it.
- Event.idempotency_key: unique as before, through a named constraint (added
  before the field's own goes, so duplicates are refused throughout), without
  the LIKE copy.
- Event.name: a plain index (drip_event_name), without the LIKE copy.
- Message.enrollment: drip_one_message_per_step (enrollment_id, step_id) serves it.
- MessageEvent.message: drip_msgevent_type (message_id, event_type) serves it.
- MessageEvent.event_type: read alone only by whole-table counts (metrics,
  the all-time report), which scan the table with or without it.
"""
import django.db.models.deletion
from django.db import migrations, models

# (index, table, column) as Django named them when it created the foreign keys.
FOREIGN_KEY_INDEXES = [
    ("drip_plugin_event_contact_id_b44c3fc8", "drip_plugin_event", "contact_id"),
    ("drip_plugin_message_enrollment_id_d72815a7", "drip_plugin_message", "enrollment_id"),
    ("drip_plugin_messageevent_message_id_b293fe94", "drip_plugin_messageevent", "message_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("drip_plugin", "0080_recommendations"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(fields=("idempotency_key",), name="drip_event_idempotency_once"),
        ),
        migrations.AlterField(
            model_name="event",
            name="idempotency_key",
            field=models.CharField(max_length=255),
        ),
        migrations.AlterField(
            model_name="event",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["name"], name="drip_event_name"),
        ),
        # State only, plus DROP INDEX: Django's AlterField would also drop and
        # re-add each foreign key, checking every row of a large table again.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}",
                                  reverse_sql=f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in FOREIGN_KEY_INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="contact",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="events", to="drip_plugin.contact"),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="enrollment",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="messages", to="drip_plugin.enrollment"),
                ),
                migrations.AlterField(
                    model_name="messageevent",
                    name="message",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.CASCADE, related_name="events",
                                            to="drip_plugin.message"),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="messageevent",
            name="event_type",
            field=models.CharField(max_length=32),
        ),
    ]
