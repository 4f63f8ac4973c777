from tortoise import migrations
from tortoise.migrations import operations as ops
from casehub.domain import KeyGroup, Scheme
from casehub.policy.model import ReportingBody
from casehub.processes.vocabulary import FindingResult, ReferralSource, TipOffStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('casehub', '0003_entitlement_state')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeathReport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scheme', fields.CharEnumField(description='RESIDENT_PENSION: RESIDENT_PENSION\nAGENCY_PENSION: AGENCY_PENSION\nENTERPRISE_PENSION: ENTERPRISE_PENSION\nWORK_INJURY_LONG_TERM: WORK_INJURY_LONG_TERM', enum_type=Scheme, max_length=32)),
                ('reporter', fields.CharEnumField(description='VILLAGE: VILLAGE\nTOWNSHIP: TOWNSHIP\nUNIT: UNIT\nCOUNTY: COUNTY', enum_type=ReportingBody, max_length=16)),
                ('body_key', fields.CharField(max_length=48)),
                ('region', fields.ForeignKeyField('casehub.Region', source_field='region_id', null=True, db_constraint=True, to_field='id', related_name='death_reports', on_delete=OnDelete.RESTRICT)),
                ('unit', fields.ForeignKeyField('casehub.EmployerUnit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='death_reports', on_delete=OnDelete.RESTRICT)),
                ('month', fields.DateField()),
                ('due_on', fields.DateField()),
                ('received_on', fields.DateField()),
                ('days_late', fields.IntField()),
                ('rule', fields.CharField(max_length=16)),
                ('policy_version', fields.CharField(max_length=32)),
                ('submissions', fields.IntField()),
                ('submitted_by', fields.ForeignKeyField('casehub.Staff', source_field='submitted_by_id', null=True, db_constraint=True, to_field='id', related_name='death_reports', on_delete=OnDelete.RESTRICT)),
                ('first_recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'death_report', 'app': 'casehub', 'unique_together': (('scheme', 'body_key', 'month'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeathReportEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report', fields.ForeignKeyField('casehub.DeathReport', source_field='report_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('row', fields.IntField()),
                ('submission', fields.IntField()),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='death_report_entries', on_delete=OnDelete.RESTRICT)),
                ('died_on', fields.DateField()),
                ('evidence', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('event', fields.ForeignKeyField('casehub.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='death_report_entries', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'death_report_entry', 'app': 'casehub', 'unique_together': (('report', 'person'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvestigationReferral',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source', fields.CharEnumField(description='TIP_OFF: TIP_OFF\nSPOT_CHECK: SPOT_CHECK', enum_type=ReferralSource, max_length=16)),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='referrals', on_delete=OnDelete.RESTRICT)),
                ('region', fields.ForeignKeyField('casehub.Region', source_field='region_id', null=True, db_constraint=True, to_field='id', related_name='referrals', on_delete=OnDelete.RESTRICT)),
                ('summary', fields.TextField(unique=False)),
                ('opened_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('opened_by', fields.ForeignKeyField('casehub.Staff', source_field='opened_by_id', null=True, db_constraint=True, to_field='id', related_name='referrals', on_delete=OnDelete.RESTRICT)),
                ('investigation_id', fields.IntField(null=True, db_index=True)),
            ],
            options={'table': 'investigation_referral', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KeyGroupFact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='key_group_facts', on_delete=OnDelete.RESTRICT)),
                ('group', fields.CharEnumField(description='VERY_OLD: VERY_OLD\nSEVERELY_DISABLED: SEVERELY_DISABLED\nCANNOT_SELF_CARE: CANNOT_SELF_CARE', enum_type=KeyGroup, max_length=24)),
                ('since', fields.DateField()),
                ('until', fields.DateField(null=True)),
                ('source', fields.CharField(max_length=200)),
                ('recorded_by', fields.ForeignKeyField('casehub.Staff', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='key_group_facts', on_delete=OnDelete.RESTRICT)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'key_group_fact', 'app': 'casehub', 'indexes': [Index(fields=['person_id', 'group'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PublicNotice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('village', fields.ForeignKeyField('casehub.Region', source_field='village_id', db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT)),
                ('period', fields.CharField(max_length=7)),
                ('posted_on', fields.DateField()),
                ('removed_on', fields.DateField(null=True)),
                ('tipoff_phone', fields.CharField(max_length=20)),
                ('created_by', fields.ForeignKeyField('casehub.Staff', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'public_notice', 'app': 'casehub', 'unique_together': (('village', 'period'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpotCheck',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(unique=True, max_length=7)),
                ('seed', fields.CharField(max_length=128)),
                ('algorithm', fields.CharField(max_length=32)),
                ('policy_version', fields.CharField(max_length=32)),
                ('population', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('population_sha256', fields.CharField(max_length=64)),
                ('shortfalls', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('drawn_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('drawn_by', fields.ForeignKeyField('casehub.Staff', source_field='drawn_by_id', null=True, db_constraint=True, to_field='id', related_name='spot_checks', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'spot_check', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpotCheckItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('spot_check', fields.ForeignKeyField('casehub.SpotCheck', source_field='spot_check_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.RESTRICT)),
                ('position', fields.IntField()),
                ('scheme', fields.CharEnumField(description='RESIDENT_PENSION: RESIDENT_PENSION\nAGENCY_PENSION: AGENCY_PENSION\nENTERPRISE_PENSION: ENTERPRISE_PENSION\nWORK_INJURY_LONG_TERM: WORK_INJURY_LONG_TERM', enum_type=Scheme, max_length=32)),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='spot_check_items', on_delete=OnDelete.RESTRICT)),
                ('group_code', fields.CharField(max_length=32)),
                ('result', fields.CharEnumField(null=True, description='CONFIRMED: CONFIRMED\nCONTRADICTS_CERTIFICATION: CONTRADICTS_CERTIFICATION\nNOT_FOUND: NOT_FOUND\nDIED: DIED', enum_type=FindingResult, max_length=32)),
                ('checked_on', fields.DateField(null=True)),
                ('died_on', fields.DateField(null=True)),
                ('note', fields.TextField(null=True, unique=False)),
                ('evidence', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('recorded_by', fields.ForeignKeyField('casehub.Staff', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='spot_check_findings', on_delete=OnDelete.RESTRICT)),
                ('recorded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('event', fields.ForeignKeyField('casehub.Event', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='spot_check_items', on_delete=OnDelete.RESTRICT)),
                ('referral', fields.OneToOneField('casehub.InvestigationReferral', source_field='referral_id', null=True, db_constraint=True, to_field='id', related_name='spot_check_item', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'spot_check_item', 'app': 'casehub', 'unique_together': (('spot_check', 'scheme', 'person'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TipOff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('notice', fields.ForeignKeyField('casehub.PublicNotice', source_field='notice_id', db_constraint=True, to_field='id', related_name='tip_offs', on_delete=OnDelete.RESTRICT)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('content', fields.TextField(unique=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('person', fields.ForeignKeyField('casehub.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='tip_offs', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(description='OPEN: OPEN\nCLOSED: CLOSED\nREFERRED: REFERRED', enum_type=TipOffStatus, max_length=16)),
                ('finding', fields.TextField(null=True, unique=False)),
                ('handled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('handled_by', fields.ForeignKeyField('casehub.Staff', source_field='handled_by_id', null=True, db_constraint=True, to_field='id', related_name='tip_offs_handled', on_delete=OnDelete.RESTRICT)),
                ('referral', fields.OneToOneField('casehub.InvestigationReferral', source_field='referral_id', null=True, db_constraint=True, to_field='id', related_name='tip_off', on_delete=OnDelete.RESTRICT)),
                ('recorded_by', fields.ForeignKeyField('casehub.Staff', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='tip_offs_recorded', on_delete=OnDelete.RESTRICT)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tip_off', 'app': 'casehub', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
