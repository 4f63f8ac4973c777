"""Policy as data (R-POL-1..3): versions with effective dates, loaded from TOML.

`load_policy(folder)` reads a deployment's folder (or the shipped Yangbi policy);
`default_policy()` caches the shipped one. The rules engine takes a `Policy` as an
argument and never loads one itself.
"""

from casehub.policy.loader import (
    DEFAULT_POLICY_DIR,
    POLICY_DIR_ENV,
    PolicyError,
    default_policy,
    load_policy,
    load_policy_files,
    policy_folder_from_env,
)
from casehub.policy.model import (
    REMINDER_FIELDS,
    DeathReportRule,
    FormRequirements,
    JudicialProfile,
    PayrollRules,
    Policy,
    PolicyVersion,
    PublicNoticeRules,
    RecoveryRules,
    ReportingBody,
    SampleMethod,
    SchemeRules,
    SpotCheckRules,
    SpotSample,
    StopEventReportRules,
    WageShare,
    WorkInjuryRules,
)

__all__ = [
    "DEFAULT_POLICY_DIR",
    "POLICY_DIR_ENV",
    "REMINDER_FIELDS",
    "DeathReportRule",
    "FormRequirements",
    "JudicialProfile",
    "PayrollRules",
    "Policy",
    "PolicyError",
    "PolicyVersion",
    "PublicNoticeRules",
    "RecoveryRules",
    "ReportingBody",
    "SampleMethod",
    "SchemeRules",
    "SpotCheckRules",
    "SpotSample",
    "StopEventReportRules",
    "WageShare",
    "WorkInjuryRules",
    "default_policy",
    "load_policy",
    "load_policy_files",
    "policy_folder_from_env",
]
