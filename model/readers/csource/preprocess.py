"""The preprocessor part of reading C: `#define` (object- and function-like), `#undef`, and the conditional
blocks `#if` / `#ifdef` / `#ifndef` / `#elif` / `#else` / `#endif` selected for one NDIS version.

Lines are never removed, only blanked, so every line number of the text tree-sitter parses is a line of the file.
Directive lines are blanked too (the directives are done here), as are SAL annotations (`_In_`, `_Out_writes_(n)`,
`_Use_decl_annotations_`, `__drv_*`) and the old DDK markers (`IN`, `OUT`, `OPTIONAL`), which carry no value and
which the C grammar does not know.

NDIS version symbols: `NDIS_SUPPORT_NDIS6xx` is 1 from NDIS 6.xx on, `NDIS6xx_MINIPORT` is 1 for NDIS 6.xx
exactly (the build defines one of them; ndis.h derives the others). Any other identifier the tree does not define
is 0 in a condition, as the C preprocessor reads it; each such identifier is listed in the notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tree_sitter import Node

from vmqproof.model.readers.csource.syntax import parse_expression, text_of
from vmqproof.model.readers.csource.values import Abstract, Resolver, Unresolved, evaluate, known

Version = tuple[int, int]

_DIRECTIVE = re.compile(r"^\s*#\s*([A-Za-z_]+)\b(.*)$")
_DEFINE = re.compile(r"^([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$", re.DOTALL)
_SUPPORT = re.compile(r"^NDIS_SUPPORT_NDIS(\d)(\d*)$")
_MINIPORT = re.compile(r"^NDIS(\d)(\d*)_MINIPORT$")
_SAL_WORDS = (r"_[A-Z][A-Za-z0-9]*_(?:[A-Za-z0-9]+_)*", r"__drv_\w+", r"__(?:in|out|inout)(?:_\w+)?", "IN", "OUT",
              "OPTIONAL", "FORCEINLINE", "__forceinline", "DECLSPEC_NOINLINE", "DECLSPEC_ALIGN", "NTAPI")


def _annotation_pattern(extra: set[str]) -> re.Pattern[str]:
    words = list(_SAL_WORDS) + [re.escape(name) for name in sorted(extra)]
    return re.compile(r"(?<![\w])(?:" + "|".join(words) + r")(?![\w])")


_SAL = _annotation_pattern(set())


@dataclass(frozen=True, slots=True)
class Macro:
    name: str
    parameters: tuple[str, ...] | None      # None for an object-like macro
    body: str
    file: str
    line: int


def version_of_symbol(name: str) -> Version | None:
    """`NDIS_SUPPORT_NDIS660` → (6, 60); `NDIS_SUPPORT_NDIS6` → (6, 0)."""
    match = _SUPPORT.match(name) or _MINIPORT.match(name)
    if match is None:
        return None
    minor = match.group(2)
    return int(match.group(1)), int(minor) * (10 if len(minor) == 1 else 1) if minor else 0


@dataclass(slots=True)
class Preprocessor:
    """One pass over the files of a tree for one NDIS version; macros accumulate in file order."""

    version: Version
    macros: dict[str, Macro] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    thresholds: set[Version] = field(default_factory=set)      # NDIS versions the conditions compare with
    builds: set[Version] = field(default_factory=set)          # NDIS6xx_MINIPORT the tree defines itself
    undefined: set[str] = field(default_factory=set)           # identifiers a condition read as 0 (noted once)

    def select(self, text: str, file: str) -> str:
        """`text` with inactive lines and directives blanked; the active `#define`s join the macro table."""
        lines = text.split("\n")
        out: list[str] = []
        stack: list[tuple[bool, bool]] = []             # (this block active, some branch already taken)
        active = True
        index = 0
        while index < len(lines):
            number = index + 1
            logical = lines[index]
            span = 1
            while logical.endswith("\\") and index + span < len(lines):
                logical = logical[:-1] + " " + lines[index + span]
                span += 1
            match = _DIRECTIVE.match(logical)
            if match is None:
                out.extend(lines[index:index + span] if active else [""] * span)
                index += span
                continue
            out.extend([""] * span)
            index += span
            name, rest = match.group(1), _strip_comments(match.group(2)).strip()
            parent = all(block for block, _ in stack)
            if name in ("if", "ifdef", "ifndef"):
                if not parent:
                    stack.append((False, True))
                else:
                    value = self._condition(name, rest, file, number)
                    stack.append((value, value))
            elif name == "elif" and stack:
                _, taken = stack[-1]
                outer = all(block for block, _ in stack[:-1])
                value = outer and not taken and self._condition("if", rest, file, number)
                stack[-1] = (value, taken or value)
            elif name == "else" and stack:
                _, taken = stack[-1]
                outer = all(block for block, _ in stack[:-1])
                stack[-1] = (outer and not taken, True)
            elif name == "endif" and stack:
                stack.pop()
            elif name == "define" and parent:
                self._define(rest, file, number)
            elif name == "undef" and parent:
                self.macros.pop(rest.split()[0] if rest.split() else "", None)
            active = all(block for block, _ in stack)
        return "\n".join(out)

    def _define(self, rest: str, file: str, line: int) -> None:
        match = _DEFINE.match(rest)
        if match is None:
            return
        name = match.group(1)
        parameters = None if match.group(2) is None else \
            tuple(p.strip() for p in match.group(3).split(",") if p.strip())
        version = version_of_symbol(name)
        if version is not None and name.endswith("_MINIPORT"):
            self.builds.add(version)
        self.macros[name] = Macro(name, parameters, match.group(4).strip(), file, line)

    def _condition(self, directive: str, rest: str, file: str, line: int) -> bool:
        if directive in ("ifdef", "ifndef"):
            name = rest.split()[0] if rest.split() else ""
            present = self.defined(name)
            return present if directive == "ifdef" else not present
        text = re.sub(r"\bdefined\s*\(\s*(\w+)\s*\)|\bdefined\s+(\w+)",
                      lambda m: "1" if self.defined(m.group(1) or m.group(2)) else "0", rest)
        node = parse_expression(text)
        if node is None:
            self.notes.append(f"{file}:{line}: #if {rest[:60]}: not an expression the reader understands; "
                              "read as false")
            return False
        value = evaluate(node, _ConditionResolver(self, file, line))
        if isinstance(value, Unresolved):
            self.notes.append(f"{file}:{line}: #if {rest[:60]}: {value.reason}; read as false")
            return False
        return any(value) and all(value)

    def defined(self, name: str) -> bool:
        if name in self.macros:
            return True
        version = version_of_symbol(name)
        if version is None:
            return False
        self.thresholds.add(version)
        return self.version >= version if name.startswith("NDIS_SUPPORT") else self.version == version

    def empty_macros(self) -> set[str]:
        return {m.name for m in self.macros.values() if m.parameters is None and not m.body}

    def clean(self, text: str) -> str:
        """Blank SAL annotations (with their parenthesised arguments) and the tree's own empty macros."""
        empty = self.empty_macros()
        pattern = _annotation_pattern(empty) if empty else _SAL
        chars = list(text)
        for match in pattern.finditer(text):
            end = match.end()
            probe = end
            while probe < len(text) and text[probe] in " \t":
                probe += 1
            if probe < len(text) and text[probe] == "(" and match.group() not in empty:
                depth = 0
                for position in range(probe, len(text)):
                    depth += {"(": 1, ")": -1}.get(text[position], 0)
                    if depth == 0:
                        end = position + 1
                        break
            for position in range(match.start(), end):
                if chars[position] != "\n":
                    chars[position] = " "
        return "".join(chars)


def _strip_comments(text: str) -> str:
    return re.sub(r"//.*$", "", re.sub(r"/\*.*?\*/", " ", text))


class _ConditionResolver(Resolver):
    """Identifiers in `#if`: macros, NDIS version symbols, else 0 (listed in the notes)."""

    def __init__(self, preprocessor: Preprocessor, file: str, line: int, depth: int = 0) -> None:
        self.preprocessor = preprocessor
        self.file = file
        self.line = line
        self.depth = depth

    def identifier(self, name: str, node: Node) -> Abstract:
        macro = self.preprocessor.macros.get(name)
        if macro is not None and macro.parameters is None and self.depth < 16:
            body = parse_expression(macro.body) if macro.body else None
            if body is None:
                return known(0) if not macro.body else Unresolved(f"{name} is not an integer")
            return evaluate(body, _ConditionResolver(self.preprocessor, self.file, self.line, self.depth + 1))
        if version_of_symbol(name) is not None:
            return known(int(self.preprocessor.defined(name)))
        if name not in self.preprocessor.undefined:
            self.preprocessor.undefined.add(name)
            self.preprocessor.notes.append(f"{self.file}:{self.line}: #if reads {name}, which the tree does not "
                                           "define; read as 0 (as the C preprocessor does) here and wherever "
                                           "else it is read")
        return known(0)


def expand_function_macro(macro: Macro, arguments: list[str]) -> str | None:
    """The body of a function-like macro with its parameters replaced by the argument texts."""
    if macro.parameters is None or len(arguments) != len(macro.parameters):
        return None
    mapping: Mapping[str, str] = dict(zip(macro.parameters, arguments))
    replace: Callable[[re.Match[str]], str] = lambda m: f"({mapping[m.group()]})" if m.group() in mapping \
        else m.group()
    return re.sub(r"\b[A-Za-z_]\w*\b", replace, macro.body)


def node_arguments(node: Node) -> list[str]:
    arguments = node.child_by_field_name("arguments")
    return [] if arguments is None else [text_of(a) for a in arguments.children if a.is_named]
