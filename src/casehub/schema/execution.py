"""A faster completion of long lists of plain objects (a timeline, a page of entitlements).

graphql-core completes every field of every object on its own: a resolve-info object, the
resolver through strawberry's wrappers, an awaitable check and a completion call per field, which
is most of the time of a 20,000-event export. When a list's items are of an object type whose
selected fields are all plain leaves — stored attributes with no resolver, no arguments, no
permission classes and no field extensions, or a relay `id` computed the default way — the
answer can be built directly: one plan per list, then one dict per item with each value passed
through the field type's own `serialize` (the same call graphql-core makes). Anything else, and
any item the plan cannot take (a null in a non-null field, a failing `is_type_of`), goes through
graphql-core's ordinary path, so the answers are the same either way.

It must never be used with a schema extension that hooks `resolve` (such a hook would be skipped):
`build_schema` checks that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from casehub.schema.recipients.timeline_json import JSONList

_DEFINITION = "strawberry-definition"
_DEFAULT_RESOLVE_ID = relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
_DEFAULT_RESOLVE_TYPENAME = relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]


class _Unplannable(Exception):
    """This item needs graphql-core's ordinary path."""


Getter = Callable[[Any], Any]
# values of exactly these Python types pass these scalars' `serialize` unchanged
_PASSTHROUGH = {GraphQLString: str, GraphQLInt: int, GraphQLBoolean: bool}


class FlatListExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._flat_plans: dict[tuple[Any, int], tuple[Any, Any]] = {}

    def complete_list_value(self, return_type, field_details_list, info, path, result, position_context):  # type: ignore[override]
        if isinstance(result, JSONList):  # finished by PostgreSQL (timeline_json): goes out as it is
            return result.fragment
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def complete_iterable_value(
        self, item_type, field_details_list, info, path, items: Iterable[Any], position_context
    ):  # type: ignore[override]
        if isinstance(items, list) and items:
            plan = self._plan(item_type, field_details_list, path)
            if plan is not None:
                try:
                    return [plan(item) for item in items]
                except Exception:  # anything unexpected: graphql-core's path reports it properly
                    pass
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _plan(self, item_type, field_details_list, path) -> Callable[[Any], dict[str, Any] | None] | None:
        # keyed like graphql-core's own subfield memo: the list object is kept alive with the plan
        key = (item_type, id(field_details_list))
        if key not in self._flat_plans:
            self._flat_plans[key] = (field_details_list, self._build_plan(item_type, field_details_list, path))
        return self._flat_plans[key][1]

    def _build_plan(self, item_type, field_details_list, path) -> Callable[[Any], dict[str, Any] | None] | None:
        non_null = is_non_null_type(item_type)
        object_type = item_type.of_type if non_null else item_type
        if not is_object_type(object_type) or self.get_stream_usage(field_details_list, path) is not None:
            return None
        grouped, defers, _ = self.collect_subfields(object_type, field_details_list)
        if defers:
            return None
        getters: list[tuple[str, Getter]] = []
        for response_key, details in grouped.items():
            getter = self._leaf_getter(object_type, details)
            if getter is None:
                return None
            getters.append((response_key, getter))
        is_type_of = object_type.is_type_of

        def complete(item: Any) -> dict[str, Any] | None:
            if item is None:
                if non_null:
                    raise _Unplannable
                return None
            if is_type_of is not None and not is_type_of(item, None):
                raise _Unplannable
            return {k: get(item) for k, get in getters}

        return complete

    def _leaf_getter(self, object_type: GraphQLObjectType, details) -> Getter | None:
        node = details[0].node
        if any(d.node.arguments or d.node.directives for d in details):
            return None
        name = node.name.value
        if name == "__typename":
            type_name = object_type.name
            return lambda item: type_name
        field_def = object_type.fields[name]
        field_type = field_def.type
        required = isinstance(field_type, GraphQLNonNull)
        leaf = field_type.of_type if required else field_type
        if not is_leaf_type(leaf):
            return None
        field = field_def.extensions.get(_DEFINITION)
        if field is None or field.permission_classes or field.extensions:
            return None
        serialize = self.complete_leaf_value
        if field.base_resolver is None:
            attr = field.python_name
            same = _PASSTHROUGH.get(leaf)

            def get(item: Any) -> Any:
                value = getattr(item, attr)
                if value is None:
                    if required:
                        raise _Unplannable
                    return None
                if type(value) is same and (same is not int or -(2**31) <= value < 2**31):
                    return value
                return serialize(leaf, value)

            return get
        origin = object_type.extensions.get(_DEFINITION)
        cls = origin.origin if origin is not None else None
        if (
            name == "id"
            and isinstance(cls, type)
            and issubclass(cls, relay.Node)
            and cls.resolve_id.__func__ is _DEFAULT_RESOLVE_ID
            and cls.resolve_typename.__func__ is _DEFAULT_RESOLVE_TYPENAME
        ):
            id_attr = cls.resolve_id_attr()
            type_name = object_type.name
            return lambda item: serialize(leaf, relay.GlobalID(type_name, str(getattr(item, id_attr))))
        return None


def hooks_resolve(extension: Any) -> bool:
    """Whether a schema extension (class or factory result) overrides `resolve`."""
    from strawberry.extensions import SchemaExtension

    kind = extension if isinstance(extension, type) else type(extension)
    return getattr(kind, "resolve", None) is not getattr(SchemaExtension, "resolve", None)
