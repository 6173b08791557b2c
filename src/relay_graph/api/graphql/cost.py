"""Cost of an operation, computed from the parsed document before any resolver runs.

The rules follow Shopify's calculated query cost:

- a scalar or enum field costs 0;
- an object field costs 1 plus the cost of its selections;
- a connection (an object type with `edges` and `pageInfo`, called with `first`/`last`)
  costs its page size times (1 + the cost of its selections); the page size is `first`,
  else `last`, else the default of 50;
- a list of objects costs 1 plus its selections once, or that times the number of IDs when
  the field takes a list argument such as `nodes(ids:)`;
- a mutation field costs 10 plus the cost of its payload's selections;
- on an interface, the most expensive of the fragments for its object types counts.

`requested` applies these rules to the document and its variables. `actual` applies them
to the returned data: a connection counts the items it returned instead of its page size,
a list counts its most expensive item, and an object that came back null counts nothing.
Objects whose JSON the database built (json_lists.py) are not parsed again: each counts
its requested cost.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import SchemaExtension

from relay_graph.api.graphql.errors import ClientError
from relay_graph.domain.pagination import DEFAULT_PAGE_SIZE

logger = logging.getLogger(__name__)

MUTATION_COST = 10
DEFAULT_MAX_COST = 5000

# Marks "no returned data": the walk computes the requested cost from the document alone.
_NO_DATA: Any = object()


Facts = tuple[GraphQLField, GraphQLNamedType, SelectionSetNode, str]

# Documents whose memos are kept; clients send the same few documents all day.
DOCUMENT_MEMOS_KEPT = 256


class DocumentMemo:
    """The cost walk's findings about one document, shared by all its requests.

    Field lookups and merged selections never depend on variables. Which fields a
    selection has does, through @skip and @include, so those memos are shared only for
    documents without directives.
    """

    def __init__(self, *, variables_decide_fields: bool) -> None:
        self.merged: dict[tuple[int, ...], SelectionSetNode] = {}
        self.facts: dict[tuple[int, ...], Facts | None] = {}
        self.costly: dict[tuple[int, int], list[tuple[str, list[FieldNode]]]] | None = (
            None if variables_decide_fields else {}
        )
        self.static: dict[tuple[int, int], int | None] | None = (
            None if variables_decide_fields else {}
        )


_memos: OrderedDict[tuple[int, int], tuple[GraphQLSchema, DocumentNode, DocumentMemo]] = (
    OrderedDict()
)


def document_memo(schema: GraphQLSchema, document: DocumentNode) -> DocumentMemo:
    """Return the memo of a parsed document, which the parser cache hands out again."""
    key = (id(schema), id(document))
    entry = _memos.get(key)
    if entry is not None and entry[0] is schema and entry[1] is document:
        _memos.move_to_end(key)
        return entry[2]
    memo = DocumentMemo(variables_decide_fields=_has_selection_directives(document))
    _memos[key] = (schema, document, memo)
    while len(_memos) > DOCUMENT_MEMOS_KEPT:
        _memos.popitem(last=False)
    return memo


def _has_selection_directives(document: DocumentNode) -> bool:
    pending = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while pending:
        for selection in pending.pop().selections:
            if selection.directives:
                return True
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return False


class CostCalculator:
    """Compute the requested or actual cost of one operation of a valid document."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Any,
        memo: DocumentMemo | None = None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        # The walk over returned data meets the same selections once per list item; these
        # memos key on node identity, which stays valid while the document is in use.
        # A memo shared by the document's requests keeps what variables cannot change.
        memo = memo or DocumentMemo(variables_decide_fields=True)
        self._merged = memo.merged
        self._facts = memo.facts
        self._costly = memo.costly if memo.costly is not None else {}
        self._static = memo.static if memo.static is not None else {}

    def operation_cost(self, operation: OperationDefinitionNode, data: Any = _NO_DATA) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        is_mutation = operation.operation == OperationType.MUTATION
        total = 0
        for key, nodes in self._collect_fields(operation.selection_set, root).items():
            value = _child(data, key)
            if is_mutation:
                total += self._mutation_cost(root, nodes, value)
            else:
                total += self._field_cost(root, nodes, value)
        return total

    def _mutation_cost(self, root: GraphQLObjectType, nodes: list[FieldNode], value: Any) -> int:
        field = root.fields[nodes[0].name.value]
        named = get_named_type(field.type)
        if value is None:
            return MUTATION_COST
        return MUTATION_COST + self._selections_cost(named, self._merged_selections(nodes), value)

    def _field_cost(self, parent: GraphQLObjectType, nodes: list[FieldNode], value: Any) -> int:
        facts = self._field_facts(parent, nodes)
        if facts is None or value is None:
            return 0
        field, named, selections, kind = facts
        if kind == "connection":
            size = self._page_size(field, nodes[0]) if value is _NO_DATA else _item_count(value)
            return size * (1 + self._selections_cost(named, selections, value))
        if kind == "list":
            return self._list_cost(field, nodes[0], named, selections, value)
        return 1 + self._selections_cost(named, selections, value)

    def _field_facts(
        self, parent: GraphQLObjectType, nodes: list[FieldNode]
    ) -> tuple[GraphQLField, GraphQLNamedType, SelectionSetNode, str] | None:
        """Look up what the cost rules need of a field once per selection: None for leaves."""
        key = (id(parent), *map(id, nodes))
        if key in self._facts:
            return self._facts[key]
        field = self._field_definition(parent, nodes[0].name.value)
        facts = None
        if field is not None and not is_leaf_type(named := get_named_type(field.type)):
            if _is_connection(named, field):
                kind = "connection"
            elif is_list_type(get_nullable_type(field.type)):
                kind = "list"
            else:
                kind = "object"
            facts = (field, named, self._merged_selections(nodes), kind)
        self._facts[key] = facts
        return facts

    def _list_cost(
        self,
        field: GraphQLField,
        node: FieldNode,
        named: GraphQLNamedType,
        selections: SelectionSetNode,
        value: Any,
    ) -> int:
        if value is _NO_DATA:
            return self._list_multiplier(field, node) * (
                1 + self._selections_cost(named, selections)
            )
        items = [item for item in value if item is not None] if isinstance(value, list) else []
        # Without a list argument the requested cost counts one item, so the actual one does too.
        count = len(items) if self._list_argument(field, node) is not None else 1
        static = self._static_cost(named, selections)
        if static is not None:
            most_expensive = static if items else 0
        elif items and isinstance(items[0], orjson.Fragment):
            most_expensive = self._selections_cost(named, selections)
        else:
            most_expensive = max(
                (self._selections_cost(named, selections, item) for item in items), default=0
            )
        return count * (1 + most_expensive)

    def _selections_cost(
        self, named: GraphQLNamedType, selections: SelectionSetNode, value: Any = _NO_DATA
    ) -> int:
        if not is_abstract_type(named):
            assert isinstance(named, GraphQLObjectType)
            return self._object_cost(named, selections, value)
        possible = self.schema.get_possible_types(named)
        runtime = self._runtime_type(possible, selections, value)
        if runtime is not None:
            return self._object_cost(runtime, selections, value)
        return max((self._object_cost(type_, selections, value) for type_ in possible), default=0)

    def _object_cost(
        self, object_type: GraphQLObjectType, selections: SelectionSetNode, value: Any
    ) -> int:
        return sum(
            self._field_cost(object_type, nodes, _child(value, key))
            for key, nodes in self._costly_fields(selections, object_type)
        )

    def _static_cost(self, named: GraphQLNamedType, selections: SelectionSetNode) -> int | None:
        """Return the cost of an object's selections if returned data cannot change it, else None.

        That is the case when every costly field is a non-null object with such selections itself:
        no list, connection, interface or nullable object, whose data could be shorter or null.
        """
        if not isinstance(named, GraphQLObjectType):
            return None
        key = (id(selections), id(named))
        if key in self._static:
            return self._static[key]
        total = 0
        for _key, nodes in self._costly_fields(selections, named):
            field = self._field_definition(named, nodes[0].name.value)
            assert field is not None
            child = get_named_type(field.type)
            plain_object = is_non_null_type(field.type) and isinstance(
                field.type.of_type, GraphQLObjectType
            )
            nested = (
                self._static_cost(child, self._merged_selections(nodes)) if plain_object else None
            )
            if nested is None:
                self._static[key] = None
                return None
            total += 1 + nested
        self._static[key] = total
        return total

    def _costly_fields(
        self, selections: SelectionSetNode, object_type: GraphQLObjectType
    ) -> list[tuple[str, list[FieldNode]]]:
        """Return the selected fields that can cost something: known fields of a non-leaf type."""
        key = (id(selections), id(object_type))
        found = self._costly.get(key)
        if found is None:
            found = []
            for response_key, nodes in self._collect_fields(selections, object_type).items():
                field = self._field_definition(object_type, nodes[0].name.value)
                if field is not None and not is_leaf_type(get_named_type(field.type)):
                    found.append((response_key, nodes))
            self._costly[key] = found
        return found

    def _merged_selections(self, nodes: list[FieldNode]) -> SelectionSetNode:
        key = tuple(map(id, nodes))
        merged = self._merged.get(key)
        if merged is None:
            merged = self._merged[key] = _merged_selections(nodes)
        return merged

    def _runtime_type(
        self, possible: list[GraphQLObjectType], selections: SelectionSetNode, value: Any
    ) -> GraphQLObjectType | None:
        """Find the object type of returned data by its `__typename`, when it was selected."""
        if not isinstance(value, dict):
            return None
        for object_type in possible:
            for key, nodes in self._collect_fields(selections, object_type).items():
                if nodes[0].name.value == "__typename" and value.get(key) == object_type.name:
                    return object_type
        return None

    def _collect_fields(
        self, selections: SelectionSetNode, object_type: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        fields: dict[str, list[FieldNode]] = {}
        for node in self._applicable_fields(selections, object_type, set()):
            key = node.alias.value if node.alias else node.name.value
            fields.setdefault(key, []).append(node)
        return fields

    def _applicable_fields(
        self, selections: SelectionSetNode, object_type: GraphQLObjectType, visited: set[str]
    ) -> Iterator[FieldNode]:
        for selection in selections.selections:
            if not self._is_included(selection):
                continue
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    yield from self._applicable_fields(
                        selection.selection_set, object_type, visited
                    )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition, object_type):
                    yield from self._applicable_fields(fragment.selection_set, object_type, visited)

    def _applies(self, condition: NamedTypeNode | None, object_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        condition_type = self.schema.get_type(condition.name.value)
        if condition_type is object_type:
            return True
        return is_abstract_type(condition_type) and self.schema.is_sub_type(
            condition_type,
            object_type,
        )

    def _is_included(self, selection: SelectionNode) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, selection, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, selection, self.variables)
        return include is None or include.get("if") is not False

    def _field_definition(self, parent: GraphQLObjectType, name: str) -> GraphQLField | None:
        if name == "__schema" and parent is self.schema.query_type:
            return SchemaMetaFieldDef
        if name == "__type" and parent is self.schema.query_type:
            return TypeMetaFieldDef
        field: GraphQLField | None = parent.fields.get(name)
        return field

    def _page_size(self, field: GraphQLField, node: FieldNode) -> int:
        arguments = get_argument_values(field, node, self.variables)
        for name in ("first", "last"):
            size = arguments.get(name)
            if isinstance(size, int):
                return max(size, 0)
        return DEFAULT_PAGE_SIZE

    def _list_multiplier(self, field: GraphQLField, node: FieldNode) -> int:
        values = self._list_argument(field, node)
        return 1 if values is None else len(values)

    def _list_argument(self, field: GraphQLField, node: FieldNode) -> list[Any] | None:
        if not field.args:
            # Most lists, such as a contact's assignments, take no arguments at all.
            return None
        arguments = get_argument_values(field, node, self.variables)
        for name, argument in field.args.items():
            value = arguments.get(name)
            if is_list_type(get_nullable_type(argument.type)) and isinstance(value, list):
                return value
        return None


def _child(data: Any, key: str) -> Any:
    if data is _NO_DATA or isinstance(data, orjson.Fragment):
        return _NO_DATA
    return data.get(key) if isinstance(data, dict) else None


def _merged_selections(nodes: list[FieldNode]) -> SelectionSetNode:
    """Join the selections of all fields with one response key, as execution does."""
    selections = [
        selection
        for node in nodes
        if node.selection_set is not None
        for selection in node.selection_set.selections
    ]
    return SelectionSetNode(selections=tuple(selections))


def _is_connection(named: GraphQLNamedType, field: GraphQLField) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and "edges" in named.fields
        and "pageInfo" in named.fields
        and ("first" in field.args or "last" in field.args)
    )


def _item_count(connection: Any) -> int:
    """Count the items a connection returned: the longest of its `edges` and `nodes` lists."""
    if not isinstance(connection, dict):
        return 0
    return max((len(value) for value in connection.values() if isinstance(value, list)), default=0)


class QueryCostLimiter(SchemaExtension):
    """Reject an operation whose requested cost is above the maximum before it runs.

    Every result reports `extensions.cost` with `requested`, `actual` and `maximum`.
    `requested` is null when the document did not parse or validate, because then no
    cost applies, and `actual` is 0 whenever nothing was executed.
    """

    def __init__(self, *, max_cost: int = DEFAULT_MAX_COST) -> None:
        self.max_cost = max_cost
        self.requested: int | None = None
        self.actual = 0

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        calculator, operation = self._prepare()
        if calculator is None or operation is None:
            yield
            return

        self.requested = calculator.operation_cost(operation)
        if self.requested > self.max_cost:
            logger.info(
                "operation rejected: cost %d is above the maximum %d (request id %s)",
                self.requested,
                self.max_cost,
                getattr(context.context, "request_id", None),
            )
            context.result = ExecutionResult(data=None, errors=[self._error()])
            yield
            return

        yield
        result = context.result
        if isinstance(result, ExecutionResult) and result.data is not None:
            self.actual = calculator.operation_cost(operation, result.data)

    def get_results(self) -> dict[str, Any]:
        return {
            "cost": {"requested": self.requested, "actual": self.actual, "maximum": self.max_cost}
        }

    def _prepare(self) -> tuple[CostCalculator | None, OperationDefinitionNode | None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return None, None
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:
            return None, None
        schema: GraphQLSchema = context.schema._schema
        variables = get_variable_values(
            schema, operation.variable_definitions or (), dict(context.variables or {})
        )
        if isinstance(variables, list):
            # Invalid variables: execution reports them and runs no resolver.
            return None, None
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        memo = document_memo(schema, document)
        return CostCalculator(schema, fragments, variables, memo), operation

    def _error(self) -> ClientError:
        assert self.requested is not None
        return ClientError(
            f"Query cost {self.requested} is above the maximum of {self.max_cost}. "
            "Request fewer items with `first` or `last`, or select fewer fields.",
            "MAX_COST_EXCEEDED",
            cost={"requested": self.requested, "maximum": self.max_cost},
        )
