"""Abstract values of C expressions: the set of integers an expression can have over every path the reader
follows, or unresolved (with the reason), and the arithmetic of C over such sets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import product

from tree_sitter import Node

from vmqproof.model.readers.csource.syntax import named_children, strip_parentheses, text_of

MAX_VALUES = 64          # more values than this for one expression or field: unresolved (open over the type range)
WORD = 0xFFFFFFFF        # ULONG arithmetic for ~ and negative constants


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value the reader cannot compute from the source (run time, unknown identifier, too many values)."""

    reason: str


Abstract = frozenset[int] | Unresolved


def known(*values: int) -> frozenset[int]:
    return frozenset(values)


def _limit(values: Iterable[int], what: str) -> Abstract:
    result = frozenset(values)
    if len(result) > MAX_VALUES:
        return Unresolved(f"{what} has more than {MAX_VALUES} values")
    return result


def union(values: Iterable[Abstract]) -> Abstract:
    found: set[int] = set()
    for value in values:
        if isinstance(value, Unresolved):
            return value
        found |= value
    return _limit(found, "the expression")


_NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*|i64|ui64)$")


def number(text: str) -> int | None:
    """A C integer literal (hex, octal, binary, decimal; U/L/LL/i64 suffixes); None otherwise."""
    match = _NUMBER.match(text.replace("'", ""))
    if match is None:
        return None
    digits = match.group(1)
    if digits[:2] in ("0x", "0X"):
        return int(digits, 16)
    if digits[:2] in ("0b", "0B"):
        return int(digits[2:], 2)
    if len(digits) > 1 and digits[0] == "0":
        return int(digits, 8)
    return int(digits)


def _character(text: str) -> int | None:
    body = text[1:-1]
    escapes = {"\\n": 10, "\\t": 9, "\\0": 0, "\\r": 13, "\\\\": 92, "\\'": 39}
    if body in escapes:
        return escapes[body]
    return ord(body) if len(body) == 1 else None


def _binary(operator: str, left: int, right: int) -> int | None:
    match operator:
        case "+": return left + right
        case "-": return left - right
        case "*": return left * right
        case "/": return None if right == 0 else int(left / right)
        case "%": return None if right == 0 else left - int(left / right) * right
        case "<<": return None if not 0 <= right < 64 else (left << right) & 0xFFFFFFFFFFFFFFFF
        case ">>": return None if not 0 <= right < 64 else left >> right
        case "&": return left & right
        case "|": return left | right
        case "^": return left ^ right
        case "&&": return int(bool(left) and bool(right))
        case "||": return int(bool(left) or bool(right))
        case "==": return int(left == right)
        case "!=": return int(left != right)
        case "<": return int(left < right)
        case ">": return int(left > right)
        case "<=": return int(left <= right)
        case ">=": return int(left >= right)
    return None


def combine(operator: str, left: Abstract, right: Abstract) -> Abstract:
    """`left operator right` over every pair of values."""
    if isinstance(left, Unresolved):
        return left
    if isinstance(right, Unresolved):
        return right
    if len(left) * len(right) > MAX_VALUES * MAX_VALUES:
        return Unresolved(f"the operands of {operator} have too many values")
    results = set()
    for a, b in product(left, right):
        value = _binary(operator, a, b)
        if value is None:
            return Unresolved(f"{a} {operator} {b} is not defined")
        results.add(value)
    return _limit(results, "the expression")


def unary(operator: str, operand: Abstract) -> Abstract:
    if isinstance(operand, Unresolved):
        return operand
    table: dict[str, Callable[[int], int]] = {"-": lambda v: -v, "+": lambda v: v, "~": lambda v: ~v & WORD,
                                              "!": lambda v: int(not v)}
    if operator not in table:
        return Unresolved(f"operator {operator}")
    return frozenset(table[operator](v) for v in operand)


class Resolver:
    """What an expression's identifiers, members, calls and sizeof mean; the evaluator asks, a subclass answers."""

    def identifier(self, name: str, node: Node) -> Abstract:
        return Unresolved(f"{name} is not known")

    def member(self, node: Node) -> Abstract:
        return Unresolved(f"{text_of(node)} is decided at run time")

    def call(self, node: Node) -> Abstract:
        return Unresolved(f"{text_of(node)} is decided at run time")

    def sizeof(self, node: Node) -> Abstract:
        return Unresolved(f"{text_of(node)}: the size is not known")


def evaluate(node: Node, resolver: Resolver) -> Abstract:
    """The values of the C expression `node`."""
    node = strip_parentheses(node)
    kind = node.type
    if kind == "number_literal":
        value = number(text_of(node))
        return known(value) if value is not None else Unresolved(f"{text_of(node)} is not an integer")
    if kind == "char_literal":
        value = _character(text_of(node))
        return known(value) if value is not None else Unresolved(f"{text_of(node)}")
    if kind in ("true", "false"):
        return known(int(kind == "true"))
    if kind == "null":
        return known(0)
    if kind == "identifier":
        return resolver.identifier(text_of(node), node)
    if kind == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return Unresolved(f"{text_of(node)} does not parse")
        return combine(operator.type, evaluate(left, resolver), evaluate(right, resolver))
    if kind == "unary_expression":
        operand = node.child_by_field_name("argument")
        operator = node.child_by_field_name("operator")
        if operand is None or operator is None:
            return Unresolved(f"{text_of(node)} does not parse")
        return unary(operator.type, evaluate(operand, resolver))
    if kind == "conditional_expression":
        condition = evaluate(node.child_by_field_name("condition"), resolver)  # type: ignore[arg-type]
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        if consequence is None or alternative is None:
            return Unresolved(f"{text_of(node)} does not parse")
        branches = []
        if isinstance(condition, Unresolved) or any(condition):
            branches.append(evaluate(consequence, resolver))
        if isinstance(condition, Unresolved) or not all(condition):
            branches.append(evaluate(alternative, resolver))
        return union(branches)
    if kind == "sizeof_expression":
        return resolver.sizeof(node)
    if kind in ("field_expression", "subscript_expression", "pointer_expression"):
        return resolver.member(node)
    if kind == "call_expression":
        return resolver.call(node)
    if kind == "comma_expression":
        last = list(named_children(node))[-1]
        return evaluate(last, resolver)
    return Unresolved(f"{text_of(node)[:60]} is not a constant expression")
