"""graphql-core's executor with a shortcut for plain fields: the same answers with less work per field.

graphql-core completes every field on its own: a resolve-info object, the resolver through
strawberry's wrappers, an awaitable check and a completion call. For a *plain* field — a stored
attribute (strawberry's "basic" field: no resolver, no permission classes, no field extensions),
no arguments, a scalar or enum type — that is most of the cost of a long list. Here such a field
is read with the field's own default resolver and passed through its type's own
`coerce_output_value` (what graphql-core calls), and a relay `id` computed the default way is
encoded as strawberry's `to_base64` does. Anything else takes graphql-core's path, and so does
any value the shortcut cannot take (a null in a non-null field, a value the scalar refuses): the
ordinary path then reports it exactly as it would have.

A list whose items are objects with only plain fields is completed in one go, one dict per item
(`complete_iterable_value`); if any item does not fit, the whole list goes graphql-core's way.

A resolver (or a list item, or an object's field) may also hand back `FinishedJSON`: a value already
written as JSON (by PostgreSQL, see `json_sql.py`), placed in the answer as it is; only
for answers that orjson encodes.

Never used with a schema extension that hooks `resolve` (graphql-core middleware), which the
shortcut would skip: with middleware every field takes the ordinary path.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLString,
    Undefined,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import get_strawberry_type_cast

_DEFINITION = "strawberry-definition"
_NODE_ID = relay.Node.__dict__["_id"].__func__
_DEFAULT_RESOLVE_ID = relay.Node.resolve_id.__func__
_DEFAULT_RESOLVE_TYPENAME = relay.Node.resolve_typename.__func__
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# values of exactly these Python types come out of these scalars unchanged
_PASSTHROUGH: dict[Any, type] = {GraphQLString: str, GraphQLBoolean: bool}

Getter = Callable[[Any], Any]
Plan = list[tuple[str, Getter | None]]
_GETTERS: dict[tuple[Any, ...], tuple[tuple[Any, ...], Getter | None]] = {}
_GETTERS_MAX = 8192  # fields remembered per process (a few documents' worth); cleared when full


@dataclass(frozen=True, slots=True)
class FinishedJSON:
    """A field's finished answer: JSON text (an `orjson.Fragment`) that goes into the response as it is."""

    fragment: Any


class _Slow(Exception):
    """This value needs graphql-core's ordinary path."""


class CasehubExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._shortcuts = manager is None or not manager.middlewares
        # keyed by the identity of graphql-core's memoised field groups, kept alive with the plan
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[Any, Plan | None]] = {}

    # ------------------------------------------------------------ one object

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):  # type: ignore[override]
        plan = self._plan(parent_type, grouped_field_set) if self._shortcuts else None
        if plan is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        plain: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, get in plan:
            if get is not None:
                try:
                    plain[response_name] = get(source_value)
                    continue
                except _Slow:
                    pass
            rest[response_name] = grouped_field_set[response_name]
        if not rest:
            return plain
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(others):
            return self._merged_later(plan, plain, others)
        return _merged(plan, plain, others)

    async def _merged_later(self, plan: Plan, plain: dict[str, Any], others: Any) -> dict[str, Any]:
        return _merged(plan, plain, await others)

    # ------------------------------------------------------------ a list of objects

    def complete_value(self, return_type, field_details_list, info, path, result, position_context):  # type: ignore[override]
        if type(result) is FinishedJSON:
            return result.fragment
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def complete_iterable_value(  # type: ignore[override]
        self, item_type, field_details_list, info, path, items: Iterable[Any], position_context
    ):
        if self._shortcuts and isinstance(items, list) and items:
            complete = self._list_plan(item_type, field_details_list, info, path)
            if complete is not None:
                try:
                    return [complete(item) for item in items]
                except _Slow:
                    pass
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _list_plan(self, item_type, field_details_list, info, path) -> Getter | None:
        non_null = is_non_null_type(item_type)
        object_type = item_type.of_type if non_null else item_type
        if not is_object_type(object_type) or self.get_stream_usage(field_details_list, path) is not None:
            return None
        grouped, defers, _ = self.collect_subfields(object_type, field_details_list)
        if defers:
            return None
        plan = self._plan(object_type, grouped)
        if plan is None or any(get is None for _, get in plan):
            return None
        getters = [(name, get) for name, get in plan if get is not None]
        is_type_of = object_type.is_type_of
        definition = object_type.extensions.get(_DEFINITION)
        exact = definition.origin if definition is not None else None  # an instance of it is of this type

        def complete(item: Any) -> dict[str, Any] | None:
            if item is None:
                if non_null:
                    raise _Slow
                return None
            known = type(item) is exact and get_strawberry_type_cast(item) is None
            if is_type_of is not None and not known and is_type_of(item, info) is not True:
                raise _Slow
            return {name: get(item) for name, get in getters}

        return complete

    # ------------------------------------------------------------ plans

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: dict[str, Any]) -> Plan | None:
        """(response name, getter or None) per field, or None when no field is plain."""
        key = (parent_type, id(grouped_field_set))
        found = self._plans.get(key)
        if found is None:
            plan = [(name, self._cached_getter(parent_type, details)) for name, details in grouped_field_set.items()]
            found = (grouped_field_set, plan if any(get is not None for _, get in plan) else None)
            self._plans[key] = found
        return found[1]

    def _cached_getter(self, parent_type: GraphQLObjectType, field_details_list: Any) -> Getter | None:
        """A field's getter depends only on its type and its nodes: remembered across requests, since
        the document cache hands every request of a document the same nodes (kept alive with it)."""
        nodes = tuple(d.node for d in field_details_list)
        key = (parent_type, *map(id, nodes))
        found = _GETTERS.get(key)
        if found is None:
            if len(_GETTERS) >= _GETTERS_MAX:
                _GETTERS.clear()
            found = _GETTERS[key] = (nodes, self._getter(parent_type, field_details_list))
        return found[1]

    def _getter(self, parent_type: GraphQLObjectType, field_details_list: Any) -> Getter | None:
        node = field_details_list[0].node
        if any(d.node.arguments or d.node.directives for d in field_details_list):
            return None
        name = node.name.value
        if name == "__typename":
            type_name = parent_type.name
            return lambda source: type_name
        field_def = parent_type.fields.get(name)
        if field_def is None or field_def.args:
            return None
        required = is_non_null_type(field_def.type)
        leaf = field_def.type.of_type if required else field_def.type
        field = field_def.extensions.get(_DEFINITION)
        if field is None or not is_leaf_type(leaf):
            return None
        if field.is_basic_field and getattr(field_def.resolve, "_is_default", False):
            if field.default_resolver is getattr:
                read: Getter = attrgetter(field.python_name)
            else:
                resolver, python_name = field.default_resolver, field.python_name

                def read(source: Any) -> Any:
                    return resolver(source, python_name)

            return _leaf(read, leaf, required)
        if _is_default_node_id(field, parent_type):
            cls = parent_type.extensions[_DEFINITION].origin
            id_attr = attrgetter(cls.resolve_id_attr())
            type_name = parent_type.name

            def node_id(source: Any) -> str:
                if not isinstance(source, cls):
                    raise _Slow
                value = id_attr(source)
                if value is None:
                    raise _Slow
                return b64encode(f"{type_name}:{value}".encode()).decode()  # strawberry.relay.utils.to_base64

            return node_id
        return None


def _merged(plan: Plan, plain: dict[str, Any], others: dict[str, Any]) -> dict[str, Any]:
    """Both halves in the order of the selection (a field graphql-core skipped stays out)."""
    out = {}
    for name, _ in plan:
        if name in plain:
            out[name] = plain[name]
        elif name in others:
            out[name] = others[name]
    return out


def _leaf(read: Getter, leaf: Any, required: bool) -> Getter:
    coerce = leaf.coerce_output_value
    same = _PASSTHROUGH.get(leaf)
    if isinstance(leaf, GraphQLEnumType):
        return _enum_leaf(read, leaf, required)

    def get(source: Any) -> Any:
        value = read(source)
        if value is None:
            if required:
                raise _Slow
            return None
        if type(value) is same:
            return value
        if leaf is GraphQLInt and type(value) is int and _INT_MIN <= value <= _INT_MAX:
            return value
        try:
            coerced = coerce(value)
        except Exception:
            raise _Slow from None
        if coerced is None or coerced is Undefined:
            raise _Slow
        return coerced

    return get


def _enum_leaf(read: Getter, leaf: GraphQLEnumType, required: bool) -> Getter:
    """An enum's name per member, worked out once by the type's own coercion (which scans every value)."""
    coerce = leaf.coerce_output_value
    wrapped = getattr(leaf, "wrapped_cls", None)
    names: dict[Any, str] = {}

    def get(source: Any) -> Any:
        value = read(source)
        if value is None:
            if required:
                raise _Slow
            return None
        if type(value) is wrapped:
            name = names.get(value)
            if name is not None:
                return name
        try:
            coerced = coerce(value)
        except Exception:
            raise _Slow from None
        if coerced is None or coerced is Undefined:
            raise _Slow
        if type(value) is wrapped:
            names[value] = coerced
        return coerced

    return get


def _is_default_node_id(field: Any, parent_type: GraphQLObjectType) -> bool:
    """A relay `id` that strawberry would compute as `GlobalID(type name, getattr(root, <NodeID attr>))`."""
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.permission_classes:
        return False
    func = getattr(resolver.wrapped_func, "__func__", None)
    definition = parent_type.extensions.get(_DEFINITION)
    cls = definition.origin if definition is not None else None
    return (
        func is _NODE_ID
        and isinstance(cls, type)
        and issubclass(cls, relay.Node)
        and cls.resolve_id.__func__ is _DEFAULT_RESOLVE_ID
        and cls.resolve_typename.__func__ is _DEFAULT_RESOLVE_TYPENAME
    )


def shorten_resolvers(schema: Any) -> int:
    """Call plain resolvers without strawberry's general wrapper; returns how many fields it changed.

    strawberry wraps every resolver in one function that, per call, builds an `Info`, converts the
    arguments (input types, enums, lists), runs field extensions and exception handlers and then
    calls the resolver. A *plain* resolver needs none of that but the `Info`: synchronous, with no
    field extensions (permission classes are one), in a schema with no exception handlers, and
    with only scalar arguments (which strawberry passes on unchanged, under their Python names).
    Its graphql-core `resolve` is replaced by a direct call made exactly as strawberry makes it
    (`strawberry.schema.schema_converter.get_arguments`): the source as `self`, `root` or
    `parent`, the `Info` as `info`, arguments by Python name, the resolver's defaults otherwise.
    """
    from strawberry.scalars import is_scalar
    from strawberry.types.base import StrawberryMaybe, StrawberryOptional

    if schema.exception_handlers:
        return 0
    converter = schema.schema_converter
    registry = converter.scalar_registry
    config = schema.config
    subscription = schema._schema.subscription_type
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type is subscription:
            continue
        for field_def in graphql_type.fields.values():
            field = field_def.extensions.get(_DEFINITION)
            if field is None or field.base_resolver is None or field.is_async or field.extensions:
                continue
            names = {}
            for argument in field.arguments:
                kind = argument.type
                if isinstance(kind, StrawberryOptional) and not isinstance(kind, StrawberryMaybe):
                    kind = kind.of_type
                if kind is relay.GlobalID or not is_scalar(kind, registry):
                    break
                names[config.name_converter.from_argument(argument)] = argument.python_name
            else:
                field_def.resolve = _direct(field, names, config.info_class)
                changed += 1
    return changed


def _direct(field: Any, names: dict[str, str], info_class: type) -> Callable[..., Any]:
    resolver = field.base_resolver
    with_self = resolver.self_parameter is not None
    sources = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def resolve(source: Any, info: Any, **arguments: Any) -> Any:
        kwargs = {names[name]: value for name, value in arguments.items()}
        for name in sources:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        return resolver(source, **kwargs) if with_self else resolver(**kwargs)

    return resolve
