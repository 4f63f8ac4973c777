"""casehub.certification: the one paper-form check behind the adapter and the API (R-PAP-1..6)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from casehub.adapters import ErrorCode
from casehub.certification import MissingItem, PaperForm, PaperFormCode, missing_items
from casehub.domain import Scheme
from casehub.policy import default_policy
from casehub.schema.errors import CaseErrorCode

VERSION = default_policy().version_at(dt.date(2024, 3, 5))
RESIDENT = VERSION.paper_forms[Scheme.RESIDENT_PENSION]
ENTERPRISE = VERSION.paper_forms[Scheme.ENTERPRISE_PENSION]


def form(signatures=None, seals=(), evidence=None, attachments=()) -> PaperForm:
    return PaperForm("F-1", signatures or {}, frozenset(seals), evidence or {}, tuple(attachments))


def test_r_pap_1_a_complete_resident_form_lacks_nothing():
    complete = form({"VILLAGE_GROUP_LEADER": ["李"], "VILLAGE_ASSISTANT": ["王"], "VILLAGE_DIRECTOR": ["赵"]},
                    evidence={"PHOTO": ["IMG_1.jpg"]})  # fmt: skip
    assert missing_items(complete, RESIDENT) == []  # PHOTO_OR_VIDEO: a photo will do


def test_r_pap_6_each_missing_item_named_in_policy_order():
    lacking = form({"STAFF": ["周"]}, evidence={"VIDEO": []})
    assert missing_items(lacking, ENTERPRISE) == [
        MissingItem(PaperFormCode.MISSING_SIGNATURE, "STAFF", missing=1, required=2),
        MissingItem(PaperFormCode.MISSING_SEAL, "UNIT_SEAL"),
        MissingItem(PaperFormCode.MISSING_EVIDENCE, "PHOTO_OR_VIDEO"),  # an empty list is no evidence
    ]


def test_r_pap_2_summary_sheet_needs_its_attachments():
    summary = form({"CENTRE_HEAD": ["杨"], "LEADER_IN_CHARGE": ["段"]}, seals={"CENTRE_SEAL"})
    assert missing_items(summary, VERSION.township_summary) == [MissingItem(PaperFormCode.MISSING_ATTACHMENTS, "")]
    assert missing_items(dataclasses.replace(summary, attachments=("确认表7份",)), VERSION.township_summary) == []


@pytest.mark.parametrize(
    ("item", "label", "message"),
    [
        (MissingItem(PaperFormCode.MISSING_SIGNATURE, "VILLAGE_ASSISTANT"), None,
         "missing signature of VILLAGE_ASSISTANT"),
        (MissingItem(PaperFormCode.MISSING_SIGNATURE, "STAFF", 1, 2), "经办工作人员",
         "missing 1 of 2 signature of 经办工作人员 (STAFF)"),
        (MissingItem(PaperFormCode.MISSING_SEAL, "UNIT_SEAL"), "单位印章", "missing seal: 单位印章 (UNIT_SEAL)"),
        (MissingItem(PaperFormCode.MISSING_EVIDENCE, "PHOTO_OR_VIDEO"), None, "missing evidence: PHOTO_OR_VIDEO"),
        (MissingItem(PaperFormCode.MISSING_ATTACHMENTS, ""), None, "missing the attached materials (附件材料)"),
    ],
)  # fmt: skip
def test_messages_name_the_item_by_code_or_label(item, label, message):
    """The API names items by code, the adapter as `label (CODE)`: the sentences both returned before."""
    assert item.message(label) == message


def test_the_codes_are_the_same_in_the_adapters_and_the_api():
    for code in PaperFormCode:
        assert ErrorCode(code.value) == code and CaseErrorCode(code.value) == code


def test_payload_records_who_confirmed_it_r_acc_1():
    paper = form({"UNIT_HANDLER": ["钱"]}, seals={"UNIT_SEAL", "A"})
    assert paper.payload(VERSION) == {
        "channel": "ONSITE_PAPER", "form_number": "F-1", "signatures": {"UNIT_HANDLER": ["钱"]},
        "seals": ["A", "UNIT_SEAL"], "policy_version": VERSION.id,
    }  # fmt: skip
