"""The C grammar (tree-sitter-c) and small helpers over its syntax tree."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Tree

C_LANGUAGE = Language(tree_sitter_c.language())
_PARSER = Parser(C_LANGUAGE)
_EXPRESSION_PREFIX = b"int __vmqproof_expression = ("


def parse(source: bytes) -> Tree:
    return _PARSER.parse(source)


@lru_cache(maxsize=4096)
def _expression_tree(text: str) -> Tree:
    return _PARSER.parse(_EXPRESSION_PREFIX + text.encode("utf-8", "replace") + b");")


def parse_expression(text: str) -> Node | None:
    """`text` as one C expression (the initialiser of a declaration), or None when it is not one."""
    tree = _expression_tree(text)
    declaration = tree.root_node.child(0)
    if tree.root_node.has_error or declaration is None or declaration.type != "declaration":
        return None
    declarator = declaration.child_by_field_name("declarator")
    value = declarator.child_by_field_name("value") if declarator is not None else None
    return value


def text_of(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


def named_children(node: Node) -> Iterator[Node]:
    for child in node.children:
        if child.is_named and child.type != "comment":
            yield child


def strip_parentheses(node: Node) -> Node:
    """The expression inside parentheses and casts, `((PVOID)(&x))` → `&x`."""
    while node.type in ("parenthesized_expression", "cast_expression"):
        inner = node.child_by_field_name("value") if node.type == "cast_expression" else \
            next(named_children(node), None)
        if inner is None:
            break
        node = inner
    return node


def error_lines(tree: Tree, limit: int = 20) -> list[int]:
    """The lines of the tree's innermost ERROR and MISSING nodes (at most `limit`): where the grammar gave up."""
    lines: list[int] = []
    pending = [tree.root_node]
    while pending and len(lines) < limit:
        node = pending.pop()
        inner = [child for child in node.children if child.has_error or child.is_missing]
        if (node.is_error or node.is_missing) and not any(c.is_error or c.is_missing for c in node.children):
            lines.append(line_of(node))
        pending.extend(reversed(inner))
    return sorted(set(lines))
