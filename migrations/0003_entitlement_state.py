from tortoise import migrations
from tortoise.migrations import operations as ops
from casehub.engine.results import EntitlementStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('casehub', '0002_append_only_guards')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EntitlementState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entitlement', fields.OneToOneField('casehub.Entitlement', source_field='entitlement_id', db_constraint=True, to_field='id', related_name='state', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='states', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(db_index=True, description='ACTIVE: ACTIVE\nSUSPENDED: SUSPENDED\nSTOPPED: STOPPED\nENDED: ENDED', enum_type=EntitlementStatus, max_length=16)),
                ('causes', fields.CharField(default='', max_length=64)),
                ('last_certified_on', fields.DateField(null=True)),
                ('next_due', fields.DateField(null=True, db_index=True)),
                ('overdue_from', fields.DateField(null=True, db_index=True)),
                ('remind_on', fields.DateField(null=True)),
                ('as_of', fields.DateField()),
                ('computed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('explanation', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'entitlement_state', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
