"""Policy as data: the shipped file, deployment folders, and strict load errors (R-POL-1..3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from engine_builders import SHIPPED_TOML

from casehub.domain import CaseOutcome, CustodyMeasure, DependantChange, DependantRole, Penalty, Scheme
from casehub.errors import CasehubError, ConfigError
from casehub.policy import (
    POLICY_DIR_ENV,
    PolicyError,
    ReportingBody,
    default_policy,
    load_policy,
    load_policy_files,
    policy_folder_from_env,
)

SHIPPED = SHIPPED_TOML.read_text("utf-8")


def test_r_pol_2_shipped_policy_holds_the_measure():
    policy = default_policy()
    assert policy.name == "yangbi"
    v2021, v2023 = policy.versions
    assert (v2021.id, v2021.effective) == ("yangbi-2021", dt.date(2021, 11, 1))
    assert (v2023.id, v2023.effective) == ("yunnan-2023", dt.date(2023, 8, 1))
    assert {s: r.cycle_months for s, r in v2021.schemes.items()} == {
        Scheme.RESIDENT_PENSION: 6,
        Scheme.AGENCY_PENSION: 6,
        Scheme.ENTERPRISE_PENSION: 6,
        Scheme.WORK_INJURY_LONG_TERM: 3,
    }
    assert {s: r.cycle_months for s, r in v2023.schemes.items()} == {
        Scheme.RESIDENT_PENSION: 12,
        Scheme.AGENCY_PENSION: 12,
        Scheme.ENTERPRISE_PENSION: 12,
        Scheme.WORK_INJURY_LONG_TERM: 6,
    }
    assert v2023.schemes[Scheme.WORK_INJURY_LONG_TERM].overdue_suspension  # inherited, default yes
    assert not any(r.own_certification for r in v2023.schemes.values())


def test_shipped_policy_deadlines_forms_and_parameters():
    v = default_policy().versions[0]
    assert {(r.scheme, r.reporter, r.recipient, r.due_day, r.rule) for r in v.death_reports} == {
        (Scheme.RESIDENT_PENSION, ReportingBody.VILLAGE, ReportingBody.TOWNSHIP, 3, "R-DTH-1"),
        (Scheme.RESIDENT_PENSION, ReportingBody.TOWNSHIP, ReportingBody.COUNTY, 5, "R-DTH-1"),
        (Scheme.AGENCY_PENSION, ReportingBody.UNIT, ReportingBody.COUNTY, 4, "R-DTH-2"),
        (Scheme.ENTERPRISE_PENSION, ReportingBody.TOWNSHIP, ReportingBody.COUNTY, 4, "R-DTH-3"),
    }
    resident = v.paper_forms[Scheme.RESIDENT_PENSION]
    assert dict(resident.signatures) == {"VILLAGE_GROUP_LEADER": 1, "VILLAGE_ASSISTANT": 1, "VILLAGE_DIRECTOR": 1}
    assert resident.evidence == ("PHOTO_OR_VIDEO",) and resident.sent_to == ReportingBody.TOWNSHIP
    assert dict(v.paper_forms[Scheme.AGENCY_PENSION].signatures) == {"UNIT_HANDLER": 1, "UNIT_HEAD": 1}
    assert v.paper_forms[Scheme.AGENCY_PENSION].seals == ("UNIT_SEAL",)
    assert dict(v.paper_forms[Scheme.ENTERPRISE_PENSION].signatures) == {"STAFF": 2}
    assert dict(v.township_summary.signatures) == {"CENTRE_HEAD": 1, "LEADER_IN_CHARGE": 1}
    assert v.township_summary.seals == ("CENTRE_SEAL",) and v.township_summary.attachments_required
    assert (v.public_notice.interval_months, v.public_notice.min_working_days) == (6, 7)
    sample = v.spot_check.samples[Scheme.RESIDENT_PENSION]
    assert (v.spot_check.interval_months, sample.min_townships, sample.min_villages_per_township) == (6, 2, 2)
    assert (v.key_group_age, v.reminder_lead_days) == (80, 30)
    assert v.stop_event_report.working_days == 20
    assert v.judicial.name == "county"
    assert CustodyMeasure.BAIL in v.judicial.suspending_measures
    national = v.judicial_profiles["national"]
    assert national.suspending_measures == {CustodyMeasure.CRIMINAL_DETENTION, CustodyMeasure.ARREST}
    assert Penalty.PUBLIC_SURVEILLANCE not in national.suspending_penalties
    assert national.pay_back_outcomes == {CaseOutcome.WITHDRAWN, CaseOutcome.NOT_PROSECUTED, CaseOutcome.ACQUITTED}
    wi = v.work_injury
    assert (wi.child_stop_age, wi.child_unable_to_work_exempt, wi.student_extension) == (18, False, False)
    assert wi.stop_changes[DependantRole.SPOUSE] == {DependantChange.REMARRIED}
    share = wi.wage_share
    assert (share.spouse_percent, share.other_percent, share.lone_elderly_or_orphan_extra_percent) == (40, 30, 10)
    assert share.total_cap_percent == 100


def test_deployment_folder_and_environment(tmp_path, monkeypatch):
    (tmp_path / "policy.toml").write_text(SHIPPED.replace('name = "yangbi"', 'name = "elsewhere"'), "utf-8")
    alone = load_policy(tmp_path, include_shipped=False)
    assert [v.id for v in alone.versions] == ["yangbi-2021", "yunnan-2023"]
    assert alone.name == "elsewhere"
    with pytest.raises(PolicyError, match="duplicate version id"):
        load_policy(tmp_path)  # the shipped versions and the same ids again
    assert policy_folder_from_env({POLICY_DIR_ENV: str(tmp_path)}) == tmp_path
    assert policy_folder_from_env({}) is None
    monkeypatch.setenv(POLICY_DIR_ENV, " ")
    assert policy_folder_from_env() is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            "cycle_months = 6  # R-CYC-1, Art. 6 (一)2",
            'cycle_months = "six"',
            "versions[0].schemes.RESIDENT_PENSION.cycle_months",
            "integer",
        ),
        (
            "cycle_months = 6  # R-CYC-1, Art. 6 (一)2",
            "cycle_months = 0",
            "versions[0].schemes.RESIDENT_PENSION.cycle_months",
            "from 1 to 120",
        ),
        (
            "cycle_months = 6  # R-CYC-1, Art. 6 (一)2",
            "cycle_month = 6",
            "versions[0].schemes.RESIDENT_PENSION.cycle_month",
            "unknown key",
        ),
        (
            "own_certification = false  # R-CYC-5: one certification of the person counts for all\n",
            "",
            "versions[0] (yangbi-2021).schemes.RESIDENT_PENSION.own_certification",
            "missing required key",
        ),
        (
            'scheme = "AGENCY_PENSION"\nreporter = "UNIT"',
            'scheme = "AGENCY"\nreporter = "UNIT"',
            "versions[0].death_reports[2].scheme",
            "one of RESIDENT_PENSION",
        ),
        ("due_day = 3", "due_day = 31", "versions[0].death_reports[0].due_day", "from 1 to 28"),
        ('profile = "county"', 'profile = "federal"', "versions[0] (yangbi-2021).judicial.profile", "federal"),
        (
            'suspending_measures = ["CRIMINAL_DETENTION", "ARREST"]',
            'suspending_measures = ["JAIL"]',
            "versions[0].judicial.profiles.national.suspending_measures[0]",
            "one of BAIL",
        ),
        ("effective = 2023-08-01", 'effective = "2023-08-01"', "versions[1].effective", "a date"),
        (
            "effective = 2023-08-01",
            "effective = 2021-11-01",
            "versions[1] (yunnan-2023).effective",
            "same effective date",
        ),
        ('id = "yunnan-2023"', 'id = "yangbi-2021"', "versions[1] (yangbi-2021).id", "duplicate version id"),
        (
            "spouse_percent = 40",
            "spouse_percent = 140",
            "versions[0].work_injury.wage_share.spouse_percent",
            "from 0 to 100",
        ),
        (
            "[versions.schemes.WORK_INJURY_LONG_TERM]\ncycle_months = 6",
            "[versions.schemes.WORK_INJURY]\ncycle_months = 6",
            "versions[1].schemes.WORK_INJURY",
            "unknown key",
        ),
        ('name = "yangbi"', 'name = "yangbi"\nowner = "me"', "owner", "unknown top-level key"),
        (
            "overdue_suspension = true  # R-SUS-1, Art. 10",
            "overdue_suspension = 1",
            "versions[0].schemes.RESIDENT_PENSION.overdue_suspension",
            "true or false",
        ),
    ],
)
def test_policy_load_errors_name_the_file_the_key_and_the_reason(tmp_path, old, new, key, reason):
    assert old in SHIPPED, old
    path = _write(tmp_path, SHIPPED.replace(old, new, 1))
    with pytest.raises(PolicyError) as caught:
        load_policy_files([path])
    err = caught.value
    assert (err.file, err.key) == (str(path), key)
    assert reason in err.reason
    assert str(path) in str(err) and key in str(err)
    assert isinstance(err, ConfigError) and isinstance(err, CasehubError)


def test_policy_load_errors_for_files_and_folders(tmp_path):
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy_files([_write(tmp_path, "versions = [")])
    with pytest.raises(PolicyError, match="at least one"):
        load_policy_files([_write(tmp_path, 'name = "x"')])
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy_files([tmp_path / "missing.toml"])
    with pytest.raises(PolicyError, match="not a folder"):
        load_policy(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PolicyError, match=r"no \*\.toml"):
        load_policy(empty)
    with pytest.raises(PolicyError, match=r"versions\[0\]\.id: missing"):
        load_policy_files([_write(tmp_path, "[[versions]]\neffective = 2020-01-01\n")])


def test_a_first_version_must_be_complete(tmp_path):
    partial = '[[versions]]\nid = "x"\neffective = 2020-01-01\nsource = "s"\nkey_group_age = 80\n'
    with pytest.raises(PolicyError, match="missing required key") as caught:
        load_policy_files([_write(tmp_path, partial)])
    assert caught.value.key.startswith("versions[0] (x).")
