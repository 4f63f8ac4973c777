"""Every domain enum the API exposes, registered with strawberry once, under its domain name.

The enums themselves live in the domain (`casehub.domain`, `casehub.engine.results`,
`casehub.auth`); this module only names them for GraphQL, so that no two folders register
the same Python enum twice.
"""

from __future__ import annotations

import strawberry

from casehub.auth import Permission
from casehub.domain import (
    CaseOutcome,
    Channel,
    CustodyMeasure,
    DependantChange,
    DependantRole,
    EventType,
    KeyGroup,
    Penalty,
    RegionLevel,
    Role,
    Scheme,
    UnitKind,
)
from casehub.engine.results import BackPayOutcome, EntitlementStatus, PaymentAction, SuspensionCause

SchemeEnum = strawberry.enum(Scheme, name="Scheme")
ChannelEnum = strawberry.enum(Channel, name="Channel")
EventTypeEnum = strawberry.enum(EventType, name="EventType")
CustodyMeasureEnum = strawberry.enum(CustodyMeasure, name="CustodyMeasure")
CaseOutcomeEnum = strawberry.enum(CaseOutcome, name="CaseOutcome")
PenaltyEnum = strawberry.enum(Penalty, name="Penalty")
DependantChangeEnum = strawberry.enum(DependantChange, name="DependantChange")
DependantRoleEnum = strawberry.enum(DependantRole, name="DependantRole")
KeyGroupEnum = strawberry.enum(KeyGroup, name="KeyGroup")
RoleEnum = strawberry.enum(Role, name="Role")
RegionLevelEnum = strawberry.enum(RegionLevel, name="RegionLevel")
UnitKindEnum = strawberry.enum(UnitKind, name="UnitKind")
PermissionEnum = strawberry.enum(Permission, name="Permission")
EntitlementStatusEnum = strawberry.enum(EntitlementStatus, name="EntitlementStatus")
SuspensionCauseEnum = strawberry.enum(SuspensionCause, name="SuspensionCause")
PaymentActionEnum = strawberry.enum(PaymentAction, name="PaymentAction")
BackPayOutcomeEnum = strawberry.enum(BackPayOutcome, name="BackPayOutcome")
