"""Completion plans: build the JSON of plain object trees without graphql-core's field loop.

graphql-core completes every field of every object on its own: it builds a resolve info,
calls strawberry's resolver wrapper, checks for awaitables and coerces the value, which
costs a few microseconds per field. A page of 50 contacts with their assignments has
over a thousand such fields, and nearly all of them only read an attribute of a read
model.

`PlanningExecutor` compiles, once per selection of a cached document, a plan for a value
whose whole subtree is plain: object types whose selected fields are attributes or
synchronous resolvers that take only the parent object. The plan is a tree of small
closures that reads the attributes, coerces leaves with the schema's own scalars and
enums, and builds the response dicts. Anything else stays with graphql-core: fields with
arguments, resolvers that take `info` or are async, interfaces and unions, `@defer`,
and field extensions. A plan never reports an error itself. When a value does not fit
(null in a non-null field, a wrong type, an exception in a resolver), the plan stops.
graphql-core then completes the same value again from the start, so errors and partial
data come out exactly as without plans. The plain resolvers have no side effects, so the
second reading returns the same values.

tests/api/test_read_equivalence.py runs documents through both executors and compares
the JSON.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, ClassVar

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.middleware import MiddlewareManager
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Completer = Callable[[Any], Any]
Getter = Callable[[Any], Any]

PLANS_CACHED = 512

# The built-in scalars whose output coercion returns a value of this exact type unchanged.
_PASS_THROUGH = {"String": str, "ID": str, "Boolean": bool}


class Completed:
    """A field's finished response value, which the executor uses without completing it.

    Resolvers return it for values they have built in the response's own shape, such as
    contact lists whose JSON the database built (json_lists.py).
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _GiveUp(Exception):
    """The value does not fit the plan; graphql-core completes it instead."""


class PlanCache:
    """Plans shared by all requests, keyed by the identity of the document's field nodes.

    The parser cache hands out the same document object for the same query text, so the
    same selection finds its plan again. Each entry keeps its nodes alive and is checked
    against them, so an id reused after the document left the parser cache cannot match.
    """

    def __init__(self, size: int = PLANS_CACHED) -> None:
        self.size = size
        self._entries: OrderedDict[
            tuple[int, int, tuple[int, ...]], tuple[object, tuple[FieldNode, ...], Completer | None]
        ] = OrderedDict()

    def get(
        self, schema: GraphQLSchema, return_type: GraphQLOutputType, nodes: tuple[FieldNode, ...]
    ) -> tuple[bool, Completer | None]:
        key = (id(schema), id(return_type), tuple(map(id, nodes)))
        entry = self._entries.get(key)
        if entry is None or entry[0] is not return_type or entry[1] != nodes:
            return False, None
        self._entries.move_to_end(key)
        return True, entry[2]

    def put(
        self,
        schema: GraphQLSchema,
        return_type: GraphQLOutputType,
        nodes: tuple[FieldNode, ...],
        plan: Completer | None,
    ) -> None:
        key = (id(schema), id(return_type), tuple(map(id, nodes)))
        self._entries[key] = (return_type, nodes, plan)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def planned_types(self) -> list[str]:
        """The return types that have a plan, e.g. `ContactConnection!`, oldest first."""
        return [str(entry[0]) for entry in self._entries.values() if entry[2] is not None]


shared_plans = PlanCache()


class PlanningExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor that completes plain subtrees with a compiled plan."""

    # The equivalence tests turn plans off to compare with graphql-core's own result.
    plans_enabled: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[int, int], tuple[object, Completer | None]] = {}

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if type(result) is Completed:
            return result.value
        plan = self._plan_for(return_type, field_details_list) if self.plans_enabled else None
        if plan is not None:
            try:
                return plan(result)
            except Exception:
                # graphql-core completes the value again and reports its errors.
                pass
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plan_for(
        self, return_type: GraphQLOutputType, field_details_list: Any
    ) -> Completer | None:
        named = return_type
        while is_non_null_type(named) or is_list_type(named):
            named = named.of_type
        if not is_object_type(named) or _has_middleware(self.middleware_manager):
            return None

        local_key = (id(return_type), id(field_details_list))
        local = self._plans.get(local_key)
        if local is not None:
            return local[1]

        nodes = tuple(details.node for details in field_details_list)
        found, plan = shared_plans.get(self.schema, return_type, nodes)
        if not found:
            plan = self._compile(return_type, field_details_list)
            if not has_directives(nodes, self.fragment_definitions):
                shared_plans.put(self.schema, return_type, nodes, plan)
        self._plans[local_key] = (field_details_list, plan)
        return plan

    def _compile(self, type_: GraphQLOutputType, field_details_list: Any) -> Completer | None:
        if is_non_null_type(type_):
            inner = self._compile(type_.of_type, field_details_list)
            return None if inner is None else _non_null(inner)
        if is_list_type(type_):
            item = self._compile(type_.of_type, field_details_list)
            return None if item is None else _list_of(item)
        if is_leaf_type(type_):
            return _leaf(type_)
        if is_object_type(type_):
            assert isinstance(type_, GraphQLObjectType)
            return self._compile_object(type_, field_details_list)
        return None

    def _compile_object(
        self, type_: GraphQLObjectType, field_details_list: Any
    ) -> Completer | None:
        grouped, new_defer_usages, _forbidden = self.collect_subfields(type_, field_details_list)
        if new_defer_usages or any(details.defer_usage for details in field_details_list):
            return None
        fields: list[tuple[str, Getter]] = []
        for key, details_list in grouped.items():
            read = self._compile_field(type_, details_list)
            if read is None:
                return None
            fields.append((key, read))
        return _object(type_, fields)

    def _compile_field(
        self, parent: GraphQLObjectType, details_list: Sequence[FieldDetails]
    ) -> Getter | None:
        """Compile reading and completing one response key of the parent into one function."""
        node = details_list[0].node
        name = node.name.value
        if name == "__typename":
            type_name = parent.name
            return lambda _source: type_name
        field = parent.fields.get(name)
        if field is None or field.args or node.arguments:
            return None
        getter = _plain_getter(field)
        if getter is None:
            return None
        complete = self._compile(field.type, details_list)
        if complete is None:
            return None
        return _field_reader(getter, complete, field.type)


def _plain_getter(field: GraphQLField) -> Getter | None:
    """Read a field the way strawberry's resolver would, if that needs nothing but the parent."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    if getattr(field.resolve, "_is_default", False):
        if definition.default_resolver is getattr:
            return attrgetter(definition.python_name)
        default_resolver, python_name = definition.default_resolver, definition.python_name
        return lambda source: default_resolver(source, python_name)

    resolver = definition.base_resolver
    if (
        resolver is None
        or resolver.is_async
        or resolver.arguments
        or resolver.info_parameter is not None
    ):
        return None
    # Called as strawberry's field.get_result calls it: the parent as `self`, `root` or
    # `parent` (StrawberryResolver binds static and class methods).
    call = resolver
    if resolver.self_parameter is not None:
        return lambda source: call(source)
    names = [
        parameter.name
        for parameter in (resolver.root_parameter, resolver.parent_parameter)
        if parameter is not None
    ]
    if not names:
        return lambda _source: call()
    return lambda source: call(**dict.fromkeys(names, source))


def _has_middleware(manager: MiddlewareManager | None) -> bool:
    # Strawberry passes a manager on every request. A non-empty one contains extensions
    # that wrap each resolver, which a plan would skip.
    return manager is not None and bool(manager.middlewares)


def _non_null(inner: Completer) -> Completer:
    def complete_non_null(value: Any) -> Any:
        completed = inner(value)
        if completed is None:
            raise _GiveUp
        return completed

    return complete_non_null


def _list_of(item: Completer) -> Completer:
    def complete_list(value: Any) -> Any:
        if type(value) is list:
            return [item(element) for element in value]
        if value is None or value is Undefined:
            return None
        if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
            raise _GiveUp
        return [item(element) for element in value]

    return complete_list


def _leaf(type_: Any) -> Completer:
    coerce = type_.coerce_output_value
    exact = _PASS_THROUGH.get(type_.name)

    def complete_leaf(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if exact is not None and type(value) is exact:
            return value
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _GiveUp
        return coerced

    return complete_leaf


def _field_reader(getter: Getter, complete: Completer, type_: GraphQLOutputType) -> Getter:
    leaf = type_.of_type if is_non_null_type(type_) else type_
    exact = _PASS_THROUGH.get(leaf.name) if is_leaf_type(leaf) else None
    if exact is None:
        return lambda source: complete(getter(source))

    # Most fields are strings or booleans that need no coercion: one call instead of three.
    def read_leaf(source: Any) -> Any:
        value = getter(source)
        if type(value) is exact:
            return value
        return complete(value)

    return read_leaf


def _object(type_: GraphQLObjectType, fields: list[tuple[str, Getter]]) -> Completer:
    is_type_of = type_.is_type_of
    plan = tuple(fields)

    if is_type_of is not None:
        # A type that checks its values rejects exceptions and None as well.
        def complete_checked(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if is_type_of(value, None) is not True:  # type: ignore[arg-type]
                raise _GiveUp
            return {key: read(value) for key, read in plan}

        return complete_checked

    def complete_object(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception):
            raise _GiveUp
        return {key: read(value) for key, read in plan}

    return complete_object


def has_directives(nodes: Iterable[FieldNode], fragments: dict[str, Any]) -> bool:
    """Check whether the selection below these nodes has directives.

    A directive's effect can depend on the request's variables, so such plans are kept for
    the current request only.
    """
    pending: list[SelectionSetNode | None] = [node.selection_set for node in nodes]
    seen: set[str] = set()
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if selection.directives:
                return True
            if isinstance(selection, FieldNode | InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in seen:
                    seen.add(name)
                    if fragment.directives:
                        return True
                    pending.append(fragment.selection_set)
    return False
