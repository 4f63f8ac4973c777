"""Operations answered without GraphQL execution: a plan made once per cached document.

Looking one recipient up by ID number is the commonest request there is (a window clerk, a home
visit, an app result checked by hand), and for it graphql-core's execution set-up and the viewer's
account read cost more than the answer. A document whose operation is only `recipient(idNumber:)`
with a selection PostgreSQL can write whole (`json_sql.recipient_key`) gets a plan: **one statement**
reads the viewer's account (still on every request, so a deactivated account stops at once) and the
recipient's answer as JSON, scoped in SQL as `access.persons` scopes (`access.person_scope_sql`).

The statement is the one for the role the account had when this process last read it
(`remembered_roles`): a role's own scope is much cheaper for PostgreSQL than every role's scope in one
statement. The statement reads the account's role again and writes the answer only under that role,
so an account whose role has changed since gets the new role's statement at once, not the old role's
answer; its region and unit are read by the statement itself.

A plan answers only what it can answer exactly as execution would: a viewer with `READ_CASES`, a
valid ID number, a person whose answer SQL can write (or nobody the viewer may see). Anything else —
no or a bad token, no active account, a role without `READ_CASES`, a malformed number, a person the
ordinary path must mask — goes the ordinary way (`CasehubSchema.execute`) with the same request, so
every error and every masked answer is the ordinary path's; an account already read is handed on,
not read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationType,
    StringValueNode,
    VariableNode,
    get_operation_ast,
)

from casehub.auth import PERMISSIONS, Permission, Viewer, staff_id_from_authorization, viewer_for_staff
from casehub.clock import today
from casehub.config import Settings
from casehub.domain import Role
from casehub.errors import CasehubError
from casehub.idnumber import parse_id_number
from casehub.memo import remember
from casehub.schema import json_sql
from casehub.schema.documents import Documents
from casehub.schema.loaders import postgres
from casehub.schema.recipients.types import key_of_field_node
from casehub.schema.text_guard import nul_refusal

# who may ask `recipient` (its permission class); what each sees is `access.persons`, in SQL
READERS = tuple(sorted(role for role in Role if Permission.READ_CASES in PERMISSIONS[role]))


# staff id -> the reading role its account had when last read (bounded as `auth` bounds its tokens)
remembered_roles: dict[int, Role] = {}
_REMEMBERED_MAX = 4096


@dataclass(frozen=True, slots=True)
class RecipientPlan:
    """`{ <response_key>: recipient(idNumber: <literal or $variable>) { <key> } }`."""

    response_key: str
    id_number: str | None  # the number written in the document, or
    variable: str | None  # the variable holding it
    statements: dict[Role, json_sql.Statement]  # `json_sql.account_and_recipient_sql` per role of `READERS`

    async def answer(
        self, settings: Settings, authorization: str | None, variables: dict[str, Any] | None
    ) -> tuple[dict[str, Any] | None, Viewer | None]:
        """The operation's `data`, or None for the ordinary path, with the viewer when it was read."""
        raw = self.id_number if self.variable is None else (variables or {}).get(self.variable)
        if not isinstance(raw, str) or not postgres():
            return None, None
        try:
            staff_id = staff_id_from_authorization(settings, authorization)
            number = parse_id_number(raw).number
            if staff_id is None:
                return None, None
            role = remembered_roles.get(staff_id)
            viewer = None
            if role is None:
                viewer = await viewer_for_staff(staff_id)
                if viewer.role not in self.statements:
                    return None, viewer  # the ordinary path refuses
                role = remember(remembered_roles, staff_id, viewer.role, _REMEMBERED_MAX)
        except CasehubError:
            return None, None  # the ordinary path reports it
        for _ in range(2):
            found = await json_sql.account_and_recipient(self.statements[role], staff_id, number, today())
            if found is None:
                remembered_roles.pop(staff_id, None)
                return None, None  # no active account: the ordinary path reports it
            if found.role == role:
                break
            remembered_roles.pop(staff_id, None)  # the role changed since it was read: the answer was not written
            if found.role not in self.statements:
                return None, None
            role = remember(remembered_roles, staff_id, Role(found.role), _REMEMBERED_MAX)
        else:
            return None, None  # changed twice while we asked: the ordinary path reads it afresh
        if not found.found:
            return {self.response_key: None}, viewer  # nobody, or nobody this viewer may see
        if found.answer is None:
            return None, viewer
        return {self.response_key: found.answer.fragment}, viewer


class Plans:
    """The plans of one schema's documents, made once per (document text, operation name)."""

    def __init__(self, documents: Documents, maxsize: int) -> None:
        self.documents = documents
        self._plan = lru_cache(maxsize=maxsize)(self._make)

    def find(self, query: str | None, operation_name: Any, variables: Any) -> RecipientPlan | None:
        """The plan for this request, or None: a request without a document, or with a document that
        does not parse or validate or holds U+0000 (in it or in the variables), has none, so that
        execution reports it."""
        if not query or not isinstance(operation_name, str | None):
            return None
        plan = self._plan(query, operation_name)
        if plan is None or nul_refusal(query, self.documents.parse(query), variables) is not None:
            return None
        return plan

    def _make(self, query: str, operation_name: str | None) -> RecipientPlan | None:
        try:
            document = self.documents.parse(query)
        except GraphQLError:
            return None
        if self.documents.validate(query, self.documents.all_rules):
            return None
        return recipient_plan(document, operation_name)


def recipient_plan(document: DocumentNode, operation_name: str | None) -> RecipientPlan | None:
    """The plan of a (valid) document's operation, or None when execution must answer it."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY or operation.directives:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    field = selections[0]
    if field.name.value != "recipient" or field.directives or len(field.arguments) != 1:
        return None  # its one argument is `idNumber: String!` (validated)
    value = field.arguments[0].value
    definitions = operation.variable_definitions
    if isinstance(value, StringValueNode) and not definitions:
        id_number, variable = value.value, None
    elif isinstance(value, VariableNode) and len(definitions) == 1 and definitions[0].default_value is None:
        # the one variable is this one, declared `String!` (validation saw to both)
        id_number, variable = None, value.name.value
    else:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    key = key_of_field_node(field, fragments)
    if key is None:
        return None
    statements = {role: json_sql.account_and_recipient_sql(key, role) for role in READERS}
    return RecipientPlan(field.alias.value if field.alias else "recipient", id_number, variable, statements)
