from tortoise import migrations
from tortoise.migrations import operations as ops
from casehub.domain import DependantRole, EventType, RegionLevel, Role, Scheme, UnitKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Region',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=12)),
                ('name', fields.CharField(max_length=64)),
                ('level', fields.CharEnumField(description='COUNTY: COUNTY\nTOWNSHIP: TOWNSHIP\nVILLAGE: VILLAGE', enum_type=RegionLevel, max_length=16)),
                ('parent', fields.ForeignKeyField('casehub.Region', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'region', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EmployerUnit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=128)),
                ('kind', fields.CharEnumField(description='AGENCY: AGENCY\nENTERPRISE: ENTERPRISE\nWORK_INJURY: WORK_INJURY', enum_type=UnitKind, max_length=16)),
                ('region', fields.ForeignKeyField('casehub.Region', source_field='region_id', db_constraint=True, to_field='id', related_name='units', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'employer_unit', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('id_number', fields.CharField(unique=True, max_length=18)),
                ('name', fields.CharField(db_index=True, max_length=64)),
                ('birth_date', fields.DateField()),
                ('sex', fields.CharField(max_length=1)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('village', fields.ForeignKeyField('casehub.Region', source_field='village_id', db_constraint=True, to_field='id', related_name='residents', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'person', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Entitlement',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='entitlements', on_delete=OnDelete.RESTRICT)),
                ('scheme', fields.CharEnumField(description='RESIDENT_PENSION: RESIDENT_PENSION\nAGENCY_PENSION: AGENCY_PENSION\nENTERPRISE_PENSION: ENTERPRISE_PENSION\nWORK_INJURY_LONG_TERM: WORK_INJURY_LONG_TERM', enum_type=Scheme, max_length=32)),
                ('start_month', fields.DateField()),
                ('monthly_amount_fen', fields.BigIntField()),
                ('region', fields.ForeignKeyField('casehub.Region', source_field='region_id', db_constraint=True, to_field='id', related_name='entitlements', on_delete=OnDelete.RESTRICT)),
                ('unit', fields.ForeignKeyField('casehub.EmployerUnit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='entitlements', on_delete=OnDelete.RESTRICT)),
                ('dependant_role', fields.CharEnumField(null=True, description='SPOUSE: SPOUSE\nCHILD: CHILD\nPARENT: PARENT\nOTHER: OTHER', enum_type=DependantRole, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'entitlement', 'app': 'casehub', 'unique_together': (('person', 'scheme'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Staff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=64)),
                ('role', fields.CharEnumField(description='COUNTY_ADMIN: COUNTY_ADMIN\nCOUNTY_STAFF: COUNTY_STAFF\nTOWNSHIP_STAFF: TOWNSHIP_STAFF\nVILLAGE_ASSISTANT: VILLAGE_ASSISTANT\nUNIT_HANDLER: UNIT_HANDLER\nINVESTIGATOR: INVESTIGATOR\nAUDITOR: AUDITOR\nIMPORT_SERVICE: IMPORT_SERVICE', enum_type=Role, max_length=32)),
                ('region', fields.ForeignKeyField('casehub.Region', source_field='region_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT)),
                ('unit', fields.ForeignKeyField('casehub.EmployerUnit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('actor', fields.ForeignKeyField('casehub.Staff', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.RESTRICT)),
                ('action', fields.CharField(max_length=64)),
                ('target_type', fields.CharField(max_length=32)),
                ('target_id', fields.CharField(max_length=64)),
                ('detail', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'audit_entry', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImportBatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('adapter', fields.CharField(max_length=64)),
                ('filename', fields.CharField(max_length=255)),
                ('sha256', fields.CharField(db_index=True, max_length=64)),
                ('status', fields.CharField(max_length=16)),
                ('accepted', fields.IntField(default=0)),
                ('duplicates', fields.IntField(default=0)),
                ('rejected', fields.IntField(default=0)),
                ('errors', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('staff', fields.ForeignKeyField('casehub.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='batches', on_delete=OnDelete.RESTRICT)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'import_batch', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('entitlement', fields.ForeignKeyField('casehub.Entitlement', source_field='entitlement_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('type', fields.CharEnumField(description='CERTIFIED: CERTIFIED\nCERTIFICATION_FAILED: CERTIFICATION_FAILED\nDIED: DIED\nCUSTODY_STARTED: CUSTODY_STARTED\nCUSTODY_ENDED: CUSTODY_ENDED\nSENTENCED: SENTENCED\nSENTENCE_ENDED: SENTENCE_ENDED\nDEPENDANT_CHANGED: DEPENDANT_CHANGED\nAMOUNT_CHANGED: AMOUNT_CHANGED\nREMINDER_SENT: REMINDER_SENT\nRETRACTED: RETRACTED\nAMENDED: AMENDED', enum_type=EventType, max_length=32)),
                ('occurred_on', fields.DateField()),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('source_adapter', fields.CharField(max_length=64)),
                ('batch', fields.ForeignKeyField('casehub.ImportBatch', source_field='batch_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('source_row', fields.IntField(null=True)),
                ('staff', fields.ForeignKeyField('casehub.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('evidence', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('natural_key', fields.CharField(unique=True, max_length=200)),
                ('corrects', fields.ForeignKeyField('casehub.Event', source_field='corrects_id', null=True, db_constraint=True, to_field='id', related_name='corrections', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'event', 'app': 'casehub', 'indexes': [Index(fields=['person_id', 'recorded_at']), Index(fields=['person_id', 'occurred_on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
