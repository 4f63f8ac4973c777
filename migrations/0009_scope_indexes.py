from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('casehub', '0008_event_digit_run_flag')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='EntitlementState',
            index=Index(fields=['person_id']),
        ),
        ops.AddIndex(
            model_name='Person',
            index=Index(fields=['village_id', 'id']),
        ),
    ]
