"""Following what a driver's code does to its capability structures: an abstract interpreter over the tree-sitter
syntax tree of the (preprocessed) sources.

A structure is a *slot* (a local, a global, an array element, a member of the adapter context, or what a helper's
pointer parameter points at). Each field of a slot holds the set of values the paths followed so far can give it,
each value with the statement that gave it (`Choice`), or is unresolved (run time, unknown identifier) with the
reason. Branches the reader cannot decide are both followed and joined, so a field's set covers every path; a
branch it can decide (a constant condition) is followed alone. Calls of functions the tree defines are followed
(inlined, parameters bound to their arguments); loops are followed zero times or once.

A section of the configuration (`receive_filter.hardware`, …) is what reaches NDIS: the slots attached to an
attribute member (`HardwareReceiveFilterCapabilities = &Caps`), as they are at `NdisMSetMiniportAttributes`
(or at the end of the function that attached them). A structure type no attribute member receives is read from
the slots of that type the code writes, hardware or current by the variable's name.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tree_sitter import Node, Query, QueryCursor

from vmqproof.model.config.fields import FieldSpec, Kind
from vmqproof.model.readers.csource.preprocess import Macro, expand_function_macro, node_arguments
from vmqproof.model.readers.csource.structures import (
    ATTACHMENTS, COPY_FUNCTIONS, FILL_FUNCTIONS, NDIS_CONSTANTS, POINTER_SIZE, SET_ATTRIBUTES, ZERO_FUNCTIONS,
    FAMILIES, Family, family_of_type, is_current,
)
from vmqproof.model.readers.csource.syntax import (
    C_LANGUAGE, line_of, named_children, parse_expression, strip_parentheses, text_of,
)
from vmqproof.model.readers.csource.values import MAX_VALUES, Abstract, Resolver, Unresolved, combine, evaluate, known

Version = tuple[int, int]
MAX_DEPTH = 12                  # nested calls followed
SCALAR_SIZES = {"UCHAR": 1, "CHAR": 1, "BOOLEAN": 1, "USHORT": 2, "SHORT": 2, "WORD": 2, "ULONG": 4, "LONG": 4,
                "UINT": 4, "INT": 4, "DWORD": 4, "UINT32": 4, "INT32": 4, "NDIS_STATUS": 4, "ULONG64": 8,
                "UINT64": 8, "ULONGLONG": 8, "LONG64": 8, "SIZE_T": 8, "ULONG_PTR": 8, "PVOID": 8,
                "char": 1, "short": 2, "int": 4, "long": 4, "unsigned": 4}
_MEMBER_ASSIGNMENTS = Query(C_LANGUAGE, "(assignment_expression left: (field_expression field: (field_identifier) @f)"
                                        " right: (_) @v) @a")


@dataclass(frozen=True, slots=True)
class Origin:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Choice:
    value: int
    origin: Origin


@dataclass(frozen=True, slots=True)
class FieldState:
    """The values one field can have, each from the statement that gave it, or unresolved (with where and why)."""

    choices: frozenset[Choice] = frozenset()
    unresolved: tuple[Origin, str] | None = None

    @staticmethod
    def of(value: Abstract, origin: Origin, spec: FieldSpec | None = None) -> "FieldState":
        if isinstance(value, Unresolved):
            return FieldState(unresolved=(origin, value.reason))
        return FieldState(frozenset(Choice(_truncate(v, spec), origin) for v in value))

    def join(self, other: "FieldState") -> "FieldState":
        if self is other:
            return self
        choices = self.choices | other.choices
        unresolved = self.unresolved or other.unresolved
        if unresolved is None and len({c.value for c in choices}) > MAX_VALUES:
            origin = max(choices, key=lambda c: (c.origin.file, c.origin.line)).origin
            unresolved = (origin, f"more than {MAX_VALUES} values")
        return FieldState(choices, unresolved)

    def abstract(self) -> Abstract:
        if self.unresolved is not None:
            return Unresolved(self.unresolved[1])
        return frozenset(c.value for c in self.choices)


def _truncate(value: int, spec: FieldSpec | None) -> int:
    """What a C assignment stores in a UCHAR / USHORT / ULONG member."""
    if spec is None or spec.kind is Kind.BOOL:
        return value
    width = spec.width if spec.kind is Kind.FLAGS else max(1, spec.hi.bit_length())
    return value & ((1 << width) - 1)


Fields = dict[str, FieldState]


def join_fields(first: Fields, second: Fields) -> Fields:
    result = dict(first)
    for name, state in second.items():
        result[name] = result[name].join(state) if name in result else state
    return result


@dataclass(frozen=True, slots=True)
class Slot:
    key: str
    family: Family
    name: str
    origin: Origin


class State:
    """What is known at one program point: the fields of every live slot, scalar variables, pointer targets,
    and which slots are attached to which attribute member."""

    __slots__ = ("fields", "scalars", "pointers", "attached")

    def __init__(self) -> None:
        self.fields: dict[str, Fields] = {}
        self.scalars: dict[str, FieldState] = {}
        self.pointers: dict[str, frozenset[str]] = {}
        self.attached: dict[str, frozenset[str]] = {}

    def copy(self) -> "State":
        other = State()
        other.fields = {key: dict(value) for key, value in self.fields.items()}
        other.scalars = dict(self.scalars)
        other.pointers = dict(self.pointers)
        other.attached = dict(self.attached)
        return other

    @staticmethod
    def join(states: Iterable["State | None"]) -> "State | None":
        live = [s for s in states if s is not None]
        if len(live) <= 1:
            return live[0] if live else None
        result = live[0].copy()
        for other in live[1:]:
            for key, fields in other.fields.items():
                result.fields[key] = join_fields(result.fields[key], fields) if key in result.fields else fields
            for key, value in other.scalars.items():
                result.scalars[key] = result.scalars[key].join(value) if key in result.scalars else value
            for key, targets in other.pointers.items():
                result.pointers[key] = result.pointers.get(key, frozenset()) | targets
            for key, targets in other.attached.items():
                result.attached[key] = result.attached.get(key, frozenset()) | targets
        return result


@dataclass(frozen=True, slots=True)
class Unit:
    """One parsed source file: its path as reported, and the root of its syntax tree."""

    file: str
    root: Node


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    unit: Unit
    node: Node
    parameters: tuple[tuple[str, Family | None, bool], ...]   # (name, capability family, is pointer)


@dataclass(slots=True)
class Activation:
    """One call of a function being followed: its locals are keyed by the activation's id."""

    id: int
    function: Function
    depth: int
    locals: dict[str, str] = field(default_factory=dict)          # variable → slot key
    pointer_vars: set[str] = field(default_factory=set)
    scalar_vars: set[str] = field(default_factory=set)
    returns: list[State] = field(default_factory=list)
    override: Origin | None = None

    def key(self, name: str) -> str:
        return f"{self.id}:{name}"


@dataclass(frozen=True, slots=True)
class SectionRead:
    """What one section holds: its fields, and the slots it was read from."""

    section: str
    family: Family
    fields: Fields
    slots: tuple[Slot, ...]
    attached: bool


def _declarator(node: Node) -> tuple[str | None, bool, Node | None, Node | None]:
    """(name, is pointer, array size node or None, initialiser) of a declarator."""
    value = None
    pointer = False
    array: Node | None = None
    while True:
        if node.type == "init_declarator":
            value = node.child_by_field_name("value")
            node = node.child_by_field_name("declarator")  # type: ignore[assignment]
        elif node.type == "pointer_declarator":
            pointer = True
            node = node.child_by_field_name("declarator")  # type: ignore[assignment]
        elif node.type == "array_declarator":
            array = node
            node = node.child_by_field_name("declarator")  # type: ignore[assignment]
        elif node.type in ("parenthesized_declarator", "attributed_declarator"):
            node = next(named_children(node))
        else:
            break
        if node is None:
            return None, pointer, array, value
    if node.type in ("identifier", "field_identifier", "type_identifier"):
        return text_of(node), pointer, array, value
    return None, pointer, array, value


def _type_name(node: Node | None) -> str:
    if node is None:
        return ""
    if node.type == "struct_specifier":
        name = node.child_by_field_name("name")
        return text_of(name) if name is not None else ""
    return text_of(node).split()[-1] if text_of(node).split() else ""


def _is_static(declaration: Node) -> bool:
    return any(c.type == "storage_class_specifier" and text_of(c) == "static" for c in declaration.children)


class Interpreter:
    """Reads one preprocessed tree (one NDIS version): call `run()`, then `sections()`."""

    def __init__(self, units: list[Unit], version: Version, macros: dict[str, Macro], notes: list[str]) -> None:
        self.units = units
        self.version = version
        self.macros = macros
        self.notes = notes
        self.aliases: dict[str, str] = {}                    # typedef name → type name
        self.member_slots: dict[str, Family] = {}            # context member of a capability type
        self.member_origins: dict[str, Origin] = {}
        self.member_pointers: dict[str, Family] = {}         # context member pointing at one
        self.enums: dict[str, Abstract] = {}
        self.functions: dict[str, Function] = {}
        self.global_slots: dict[str, list[str]] = {}         # global name → slot keys (arrays: one per element)
        self.global_scalars: dict[str, tuple[Node, Unit]] = {}
        self.global_pointers: set[str] = set()
        self.slots: dict[str, Slot] = {}
        self.written: set[str] = set()
        self.ever_attached: dict[str, set[str]] = {}         # slot key → sections
        self.snapshots: dict[str, Fields] = {}
        self.snapshot_slots: dict[str, set[str]] = {}
        self.finals: dict[str, Fields] = {}
        self._member_writes: dict[str, list[tuple[Node, Unit]]] | None = None
        self._ids = itertools.count(1)
        self._stack: list[str] = []
        self._evaluating: set[str] = set()
        self._noted: set[str] = set()

    # -- notes --------------------------------------------------------------------------------------
    def note(self, origin: Origin, text: str) -> None:
        line = f"{origin}: {text}"
        if line not in self._noted:
            self._noted.add(line)
            self.notes.append(line)

    # -- the declarations of the tree ------------------------------------------------------------------
    def _collect(self) -> None:
        for unit in self.units:
            for node in named_children(unit.root):
                self._collect_top(node, unit)
        for unit in self.units:
            for node in named_children(unit.root):
                if node.type == "declaration":
                    self._collect_global(node, unit)

    def _collect_top(self, node: Node, unit: Unit) -> None:
        if node.type == "type_definition":
            type_node = node.child_by_field_name("type")
            self._collect_struct(type_node, unit)
            base = _type_name(type_node)
            for declarator in node.children_by_field_name("declarator"):
                name, pointer, _, _ = _declarator(declarator)
                if name is None:
                    continue
                if family_of_type(base, self.aliases) is not None:
                    family, was_pointer = family_of_type(base, self.aliases)  # type: ignore[misc]
                    self.aliases[name] = ("P" if pointer or was_pointer else "") + family.c_type
            self._collect_enum(type_node)
        elif node.type in ("struct_specifier", "enum_specifier"):
            self._collect_struct(node, unit)
            self._collect_enum(node)
        elif node.type == "declaration":
            type_node = node.child_by_field_name("type")
            self._collect_struct(type_node, unit)
            self._collect_enum(type_node)
        elif node.type == "function_definition":
            declarator = node.child_by_field_name("declarator")
            while declarator is not None and declarator.type != "function_declarator":
                declarator = next((c for c in named_children(declarator) if "declarator" in c.type), None)
            if declarator is None:
                return
            name_node = declarator.child_by_field_name("declarator")
            if name_node is None:
                return
            parameters = []
            for parameter in named_children(declarator.child_by_field_name("parameters")):  # type: ignore[arg-type]
                if parameter.type != "parameter_declaration":
                    continue
                inner = parameter.child_by_field_name("declarator")
                pname, pointer, _, _ = _declarator(inner) if inner is not None else (None, False, None, None)
                found = family_of_type(_type_name(parameter.child_by_field_name("type")), self.aliases)
                family, was_pointer = found if found is not None else (None, False)
                parameters.append((pname or f"#{len(parameters)}", family, pointer or was_pointer))
            body = node.child_by_field_name("body")
            if body is not None:
                self.functions.setdefault(text_of(name_node), Function(text_of(name_node), unit, body,
                                                                       tuple(parameters)))

    def _collect_struct(self, node: Node | None, unit: Unit | None = None) -> None:
        if node is None or node.type != "struct_specifier":
            return
        body = node.child_by_field_name("body")
        if body is None:
            return
        for member in named_children(body):
            if member.type != "field_declaration":
                continue
            self._collect_struct(member.child_by_field_name("type"), unit)
            found = family_of_type(_type_name(member.child_by_field_name("type")), self.aliases)
            if found is None:
                continue
            family, was_pointer = found
            for declarator in member.children_by_field_name("declarator"):
                name, pointer, _, _ = _declarator(declarator)
                if name is not None:
                    (self.member_pointers if pointer or was_pointer else self.member_slots)[name] = family
                    if unit is not None:
                        self.member_origins.setdefault(name, Origin(unit.file, line_of(declarator)))

    def _collect_enum(self, node: Node | None) -> None:
        if node is None or node.type != "enum_specifier":
            return
        body = node.child_by_field_name("body")
        if body is None:
            return
        next_value: Abstract = known(0)
        for enumerator in named_children(body):
            if enumerator.type != "enumerator":
                continue
            name = enumerator.child_by_field_name("name")
            value = enumerator.child_by_field_name("value")
            if value is not None:
                next_value = evaluate(value, _Env(self, None, None))
            if name is not None:
                self.enums[text_of(name)] = next_value
            next_value = next_value if isinstance(next_value, Unresolved) else frozenset(v + 1 for v in next_value)

    def _collect_global(self, node: Node, unit: Unit) -> None:
        found = family_of_type(_type_name(node.child_by_field_name("type")), self.aliases)
        for declarator in node.children_by_field_name("declarator"):
            name, pointer, array, value = _declarator(declarator)
            if name is None or declarator.type == "function_declarator":
                continue
            origin = Origin(unit.file, line_of(declarator))
            if found is None:
                if value is not None and not pointer and array is None:
                    self.global_scalars[name] = (value, unit)
                continue
            family, was_pointer = found
            if pointer or was_pointer:
                self.global_pointers.add(name)
                continue
            if array is not None:
                items = [c for c in named_children(value)] if value is not None and \
                    value.type == "initializer_list" else []
                size = array.child_by_field_name("size")
                count = len(items)
                if size is not None:
                    declared = evaluate(size, _Env(self, None, None))
                    if not isinstance(declared, Unresolved) and len(declared) == 1:
                        count = max(count, min(next(iter(declared)), 256))
                keys = []
                for index in range(count):
                    item = items[index] if index < len(items) else None
                    slot = self._slot(f"global:{name}[{index}]", family, f"{name}[{index}]",
                                      Origin(unit.file, line_of(item)) if item is not None else origin)
                    keys.append(slot.key)
                self.global_slots[name] = keys
            else:
                self.global_slots[name] = [self._slot(f"global:{name}", family, name, origin).key]

    def _slot(self, key: str, family: Family, name: str, origin: Origin) -> Slot:
        slot = Slot(key, family, name, origin)
        self.slots[key] = slot
        return slot

    def _initial_state(self) -> State:
        state = State()
        for unit in self.units:
            for node in named_children(unit.root):
                if node.type != "declaration":
                    continue
                for declarator in node.children_by_field_name("declarator"):
                    name, _, array, value = _declarator(declarator)
                    if name not in self.global_slots:
                        continue
                    keys = self.global_slots[name]
                    items = list(named_children(value)) if array is not None and value is not None \
                        and value.type == "initializer_list" else [value] * len(keys)
                    for index, key in enumerate(keys):
                        slot = self.slots[key]
                        item = items[index] if index < len(items) else None
                        self._zero(state, [key], slot.origin)           # static storage is zero-initialised
                        if item is not None:
                            act = self._global_activation(unit)
                            self._initialise(state, act, slot, item, Origin(unit.file, line_of(item)))
        for name, family in self.member_slots.items():
            key = f"member:{name}"
            origin = self.member_origins.get(name, Origin("<adapter context>", 0))
            self._slot(key, family, name, origin)
            state.fields[key] = self._zero_fields(family, origin)     # contexts are allocated zeroed
        return state

    def _global_activation(self, unit: Unit) -> Activation:
        return Activation(0, Function("<global>", unit, unit.root, ()), 0)

    # -- running ------------------------------------------------------------------------------------
    def run(self) -> None:
        self._collect()
        state = self._initial_state()
        relevant = self._relevant()
        called = {name for fn in relevant for name in self._calls(self.functions[fn]) if name in relevant}
        roots = [name for name in relevant if name not in called] or sorted(relevant)
        for name in roots:
            state = self._run_root(self.functions[name], state)
        for key in list(state.fields):
            if key.startswith(("global:", "member:", "param:")):
                self._final(key, state.fields[key])
        self._snapshot(state, state.attached)

    def _run_root(self, function: Function, state: State) -> State:
        act = Activation(next(self._ids), function, 0)
        origin = Origin(function.unit.file, line_of(function.node))
        for name, family, pointer in function.parameters:
            if family is not None and pointer:
                key = f"param:{function.name}.{name}"
                self._slot(key, family, name, origin)
                state.fields[key] = {spec.name: FieldState(unresolved=(origin, f"set by the caller of "
                                                                                f"{function.name}"))
                                     for _, spec in family.members}
                state.pointers[act.key(name)] = frozenset({key})
                act.pointer_vars.add(name)
            else:
                state.scalars[act.key(name)] = FieldState(unresolved=(origin, f"parameter {name} of "
                                                                               f"{function.name}"))
                act.scalar_vars.add(name)
        return self._activate(act, state)

    def _activate(self, act: Activation, state: State) -> State:
        self._stack.append(act.function.name)
        try:
            end = self._statement(act.function.node, state, act)
        finally:
            self._stack.pop()
        result = State.join([*act.returns, end]) or state
        own = {key for key in act.locals.values()}
        if any(own & targets for targets in result.attached.values()):
            self._snapshot(result, {s: t for s, t in result.attached.items() if own & t})
            result.attached = {s: t for s, t in result.attached.items() if not own & t}
        for key in own:
            if key in result.fields:
                self._final(key, result.fields.pop(key))
        prefix = f"{act.id}:"
        for store in (result.scalars, result.pointers):
            for key in [k for k in store if k.startswith(prefix)]:
                del store[key]
        return result

    def _final(self, key: str, fields: Fields) -> None:
        self.finals[key] = join_fields(self.finals[key], fields) if key in self.finals else fields

    def _snapshot(self, state: State, attached: dict[str, frozenset[str]]) -> None:
        for section, keys in attached.items():
            for key in keys:
                fields = state.fields.get(key) or self.finals.get(key)
                if fields is None:
                    continue
                self.snapshots[section] = join_fields(self.snapshots[section], fields) \
                    if section in self.snapshots else fields
                self.snapshot_slots.setdefault(section, set()).add(key)

    def _relevant(self) -> list[str]:
        """Functions whose code touches a capability structure (or calls one that does), in file order."""
        words = set(ATTACHMENTS) | {SET_ATTRIBUTES} | set(self.member_slots) | set(self.member_pointers) \
            | set(self.global_slots) | set(self.global_pointers) | {f.c_type for f in family_types()} \
            | {"P" + f.c_type for f in family_types()} | {a for a in self.aliases}
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b")
        touching = {name for name, fn in self.functions.items() if pattern.search(text_of(fn.node))
                    or any(family is not None for _, family, _ in fn.parameters)}
        calls = {name: self._calls(fn) for name, fn in self.functions.items()}
        changed = True
        while changed:
            changed = False
            for name in self.functions:
                if name not in touching and calls[name] & touching:
                    touching.add(name)
                    changed = True
        return [name for name in self.functions if name in touching]

    def _calls(self, function: Function) -> set[str]:
        return {m.group(1) for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", text_of(function.node))
                if m.group(1) in self.functions}

    # -- statements ---------------------------------------------------------------------------------
    def origin(self, node: Node, act: Activation) -> Origin:
        return act.override or Origin(act.function.unit.file, line_of(node))

    def _statement(self, node: Node, state: State, act: Activation) -> State | None:
        kind = node.type
        if kind == "compound_statement" or kind in ("seh_try_statement", "seh_finally_clause", "seh_except_clause"):
            current: State | None = state
            for child in named_children(node):
                if current is None:
                    break
                current = self._statement(child, current, act)
            return current
        if kind == "declaration":
            self._declaration(node, state, act)
            return state
        if kind == "expression_statement":
            for child in named_children(node):
                self._effects(child, state, act)
            return state
        if kind == "if_statement":
            condition = node.child_by_field_name("condition")
            if condition is not None:
                self._effects(condition, state, act)
            value = evaluate(condition, _Env(self, state, act)) if condition is not None else known(1)
            consequence = node.child_by_field_name("consequence")
            alternative = node.child_by_field_name("alternative")
            branches: list[State | None] = []
            if isinstance(value, Unresolved) or any(value):
                branches.append(self._statement(consequence, state.copy(), act) if consequence is not None
                                else state.copy())
            if isinstance(value, Unresolved) or not all(value):
                if alternative is not None:
                    body = next((c for c in named_children(alternative)), None) \
                        if alternative.type == "else_clause" else alternative
                    branches.append(self._statement(body, state.copy(), act) if body is not None else state)
                else:
                    branches.append(state)
            return State.join(branches)
        if kind in ("for_statement", "while_statement", "do_statement"):
            for name in ("initializer", "condition"):
                part = node.child_by_field_name(name)
                if part is not None and part.type != "declaration":
                    self._effects(part, state, act)
                elif part is not None:
                    self._declaration(part, state, act)
            body = node.child_by_field_name("body")
            if body is None:
                return state
            once = self._statement(body, state.copy(), act)
            if kind == "do_statement":
                return once
            return State.join([state, once])
        if kind == "switch_statement":
            condition = node.child_by_field_name("condition")
            if condition is not None:
                self._effects(condition, state, act)
            body = node.child_by_field_name("body")
            cases = [c for c in named_children(body)] if body is not None else []
            branches = []
            has_default = False
            for case in cases:
                if case.type != "case_statement":
                    continue
                has_default = has_default or case.child_by_field_name("value") is None
                current = state.copy()
                for child in named_children(case):
                    if child == case.child_by_field_name("value") or current is None:
                        continue
                    current = self._statement(child, current, act)
                branches.append(current)
            if not has_default:
                branches.append(state)
            return State.join(branches)
        if kind == "return_statement":
            for child in named_children(node):
                self._effects(child, state, act)
            act.returns.append(state)
            return None
        if kind == "labeled_statement":
            inner = [c for c in named_children(node) if c.type != "statement_identifier"]
            return self._statement(inner[0], state, act) if inner else state
        return state

    def _declaration(self, node: Node, state: State, act: Activation) -> None:
        found = family_of_type(_type_name(node.child_by_field_name("type")), self.aliases)
        static = _is_static(node)
        for declarator in node.children_by_field_name("declarator"):
            name, pointer, array, value = _declarator(declarator)
            if name is None:
                continue
            origin = self.origin(declarator, act)
            if value is not None:
                self._effects(value, state, act)
            if found is not None and not (pointer or found[1]) and array is None:
                slot = self._slot(f"local:{act.id}:{act.function.name}.{name}", found[0], name, origin)
                act.locals[name] = slot.key
                if static or value is not None:
                    self._zero(state, [slot.key], origin)
                    if value is not None:
                        self._initialise(state, act, slot, value, origin)
                else:
                    state.fields[slot.key] = {spec.name: FieldState(unresolved=(origin, f"{name} is not "
                                                                                         "initialised"))
                                              for _, spec in slot.family.members}
            elif found is not None and (pointer or found[1]):
                act.pointer_vars.add(name)
                targets = self._targets(value, state, act) if value is not None else None
                state.pointers[act.key(name)] = targets or frozenset()
            else:
                act.scalar_vars.add(name)
                if value is not None and value.type != "initializer_list":
                    state.scalars[act.key(name)] = FieldState.of(evaluate(value, _Env(self, state, act)), origin)
                else:
                    state.scalars[act.key(name)] = FieldState(unresolved=(origin, f"{name} is not initialised"))

    # -- expressions with effects ---------------------------------------------------------------------
    def _effects(self, node: Node, state: State, act: Activation) -> None:
        kind = node.type
        if kind == "assignment_expression":
            right = node.child_by_field_name("right")
            if right is not None:
                self._effects(right, state, act)
            self._assign(node, state, act)
            return
        if kind == "call_expression":
            arguments = node.child_by_field_name("arguments")
            if arguments is not None:
                for argument in named_children(arguments):
                    self._effects(argument, state, act)
            self._call(node, state, act)
            return
        if kind in ("sizeof_expression", "string_literal", "identifier", "number_literal"):
            return
        for child in named_children(node):
            self._effects(child, state, act)

    def _call(self, node: Node, state: State, act: Activation) -> None:
        function = node.child_by_field_name("function")
        if function is None or function.type != "identifier":
            return
        name = text_of(function)
        arguments = [a for a in named_children(node.child_by_field_name("arguments"))]  # type: ignore[arg-type]
        origin = self.origin(node, act)
        if name in ZERO_FUNCTIONS and arguments:
            targets = self._targets(arguments[0], state, act)
            if targets:
                self._zero(state, sorted(targets), origin)
            return
        if name in FILL_FUNCTIONS and len(arguments) >= 3:
            targets = self._targets(arguments[0], state, act)
            fill = evaluate(arguments[1 if name == "memset" else 2], _Env(self, state, act))
            if targets:
                if fill == known(0):
                    self._zero(state, sorted(targets), origin)
                else:
                    self._clobber(state, targets, origin, f"{name} fills the structure with {text_of(node)[:40]}")
            return
        if name in COPY_FUNCTIONS and len(arguments) >= 2:
            source_index = 2 if name.endswith("_s") and len(arguments) >= 4 else 1
            destination = self._targets(arguments[0], state, act)
            source = self._targets(arguments[source_index], state, act)
            if destination:
                self._copy(state, destination, source, origin, text_of(arguments[source_index]))
            return
        if name == SET_ATTRIBUTES:
            self._snapshot(state, state.attached)
            state.attached = {}
            return
        macro = self.macros.get(name)
        if macro is not None and macro.parameters is not None:
            self._expand_macro(macro, node, state, act)
            return
        callee = self.functions.get(name)
        if callee is not None:
            if name in self._stack or act.depth >= MAX_DEPTH:
                return
            result = self._inline(callee, arguments, state, act, origin)
            state.fields, state.scalars, state.pointers, state.attached = (result.fields, result.scalars,
                                                                           result.pointers, result.attached)
            return
        for argument in arguments:
            targets = self._targets(argument, state, act)
            if targets:
                self.note(origin, f"{text_of(argument)} is passed to {name}, which the tree does not define; "
                                  "read as not changing it")

    def _expand_macro(self, macro: Macro, node: Node, state: State, act: Activation) -> None:
        if macro.name in self._evaluating:
            return
        text = expand_function_macro(macro, node_arguments(node))
        expression = parse_expression(text) if text else None
        if expression is None:
            return
        saved = act.override
        act.override = self.origin(node, act)
        self._evaluating.add(macro.name)
        try:
            self._effects(expression, state, act)
        finally:
            self._evaluating.discard(macro.name)
            act.override = saved

    def _inline(self, callee: Function, arguments: list[Node], state: State, caller: Activation,
                origin: Origin) -> State:
        act = Activation(next(self._ids), callee, caller.depth + 1)
        for index, (name, family, pointer) in enumerate(callee.parameters):
            argument = arguments[index] if index < len(arguments) else None
            targets = self._targets(argument, state, caller) if argument is not None else None
            if targets is not None or (family is not None and pointer):
                state.pointers[act.key(name)] = targets or frozenset()
                act.pointer_vars.add(name)
            else:
                value = evaluate(argument, _Env(self, state, caller)) if argument is not None else \
                    Unresolved(f"no argument for {name}")
                state.scalars[act.key(name)] = FieldState.of(value, origin)
                act.scalar_vars.add(name)
        return self._activate(act, state)

    # -- what a structure expression denotes ---------------------------------------------------------
    def _structures(self, node: Node, state: State, act: Activation) -> frozenset[str] | None:
        """The slots an expression of structure type denotes (`Caps`, `*p`, `Adapter->HwCaps`, `Table[i]`)."""
        node = strip_parentheses(node)
        if node.type == "identifier":
            name = text_of(node)
            if name in act.locals:
                return frozenset({act.locals[name]})
            if name in self.global_slots and name not in act.scalar_vars and name not in act.pointer_vars:
                keys = self.global_slots[name]
                return frozenset(keys) if keys and not keys[0].endswith("]") else None
            return None
        if node.type == "pointer_expression" and node.child(0) is not None and text_of(node.child(0)) == "*":
            argument = node.child_by_field_name("argument")
            return self._targets(argument, state, act) if argument is not None else None
        if node.type == "field_expression":
            member = node.child_by_field_name("field")
            if member is not None and text_of(member) in self.member_slots:
                base = node.child_by_field_name("argument")
                if base is None or self._field_target(base, state, act) is None:
                    return frozenset({f"member:{text_of(member)}"})
            return None
        if node.type == "subscript_expression":
            array = node.child_by_field_name("argument")
            if array is None or array.type != "identifier" or text_of(array) not in self.global_slots:
                return None
            keys = self.global_slots[text_of(array)]
            index = node.child_by_field_name("index")
            value = evaluate(index, _Env(self, state, act)) if index is not None else Unresolved("no index")
            if isinstance(value, Unresolved):
                return frozenset(keys)
            return frozenset(keys[v] for v in value if 0 <= v < len(keys)) or None
        return None

    def _targets(self, node: Node | None, state: State, act: Activation) -> frozenset[str] | None:
        """The slots a pointer expression points at (`&Caps`, a pointer variable, `Adapter->pCaps`, `Table`)."""
        if node is None:
            return None
        node = strip_parentheses(node)
        if node.type == "pointer_expression" and node.child(0) is not None and text_of(node.child(0)) == "&":
            argument = node.child_by_field_name("argument")
            return self._structures(argument, state, act) if argument is not None else None
        if node.type == "identifier":
            name = text_of(node)
            if name in act.pointer_vars:
                return state.pointers.get(act.key(name), frozenset())
            if name in self.global_pointers:
                return state.pointers.get(f"global:{name}", frozenset())
            if name in self.global_slots and name not in act.locals:
                keys = self.global_slots[name]
                return frozenset(keys) if keys and keys[0].endswith("]") else None
            return None
        if node.type == "field_expression":
            member = node.child_by_field_name("field")
            if member is not None and text_of(member) in self.member_pointers:
                return state.pointers.get(f"member:{text_of(member)}", frozenset())
            return None
        if node.type == "binary_expression":
            left = node.child_by_field_name("left")
            return self._targets(left, state, act) if left is not None else None
        return None

    def _field_target(self, node: Node, state: State, act: Activation) -> tuple[frozenset[str], FieldSpec] | None:
        """The slots and field an lvalue such as `Caps.Header.Revision` or `p->NumQueues` denotes."""
        names: list[str] = []
        current = strip_parentheses(node)
        while current.type == "field_expression":
            member = current.child_by_field_name("field")
            operator = current.child_by_field_name("operator")
            base = current.child_by_field_name("argument")
            if member is None or base is None:
                return None
            names.insert(0, text_of(member))
            slots = self._structures(base, state, act) if operator is not None and operator.type == "." \
                else self._targets(base, state, act)
            if slots:
                spec = self.slots[next(iter(slots))].family.field(".".join(names))
                return (slots, spec) if spec is not None else None
            current = strip_parentheses(base)
        return None

    # -- changing slots --------------------------------------------------------------------------------
    def _zero_fields(self, family: Family, origin: Origin) -> Fields:
        zero = FieldState(frozenset({Choice(0, origin)}))
        return {spec.name: zero for _, spec in family.members}

    def _zero(self, state: State, keys: Iterable[str], origin: Origin) -> None:
        keys = list(keys)
        for key in keys:
            fields = self._zero_fields(self.slots[key].family, origin)
            state.fields[key] = fields if len(keys) == 1 or key not in state.fields else \
                join_fields(state.fields[key], fields)
            self.written.add(key)

    def _clobber(self, state: State, keys: Iterable[str], origin: Origin, reason: str) -> None:
        for key in keys:
            state.fields[key] = {spec.name: FieldState(unresolved=(origin, reason))
                                 for _, spec in self.slots[key].family.members}
            self.written.add(key)

    def _copy(self, state: State, destination: frozenset[str], source: frozenset[str] | None, origin: Origin,
              source_text: str) -> None:
        copied: Fields | None = None
        for key in source or ():
            fields = state.fields.get(key) or self.finals.get(key)
            if fields is not None:
                copied = fields if copied is None else join_fields(copied, fields)
        for key in destination:
            if copied is None:
                self._clobber(state, [key], origin, f"copied from {source_text[:60]}, which the reader does not "
                                                    "follow")
                continue
            state.fields[key] = dict(copied) if len(destination) == 1 or key not in state.fields else \
                join_fields(state.fields[key], copied)
            self.written.add(key)

    def _store(self, state: State, keys: frozenset[str], spec: FieldSpec, new: FieldState) -> None:
        for key in keys:
            fields = dict(state.fields.get(key, {}))        # copy on write: snapshots and copies share dicts
            fields[spec.name] = new if len(keys) == 1 or spec.name not in fields else fields[spec.name].join(new)
            state.fields[key] = fields
            self.written.add(key)

    def _assign(self, node: Node, state: State, act: Activation) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return
        left = strip_parentheses(left)
        op = operator.type
        origin = self.origin(node, act)
        if left.type == "field_expression" and op == "=":
            member = left.child_by_field_name("field")
            if member is not None and text_of(member) in ATTACHMENTS and \
                    self._field_target(left, state, act) is None:
                section = ATTACHMENTS[text_of(member)]
                targets = self._targets(right, state, act)
                if targets:
                    state.attached[section] = targets
                    for key in targets:
                        self.ever_attached.setdefault(key, set()).add(section)
                elif evaluate(right, _Env(self, state, act)) != known(0):
                    self.note(origin, f"{text_of(member)} = {text_of(right)[:60]}: the structure it points at "
                                      "is not followed")
                return
            if member is not None and text_of(member) in self.member_pointers:
                state.pointers[f"member:{text_of(member)}"] = self._targets(right, state, act) or frozenset()
                return
        if left.type == "identifier" and op == "=":
            name = text_of(left)
            if name in act.pointer_vars or name in self.global_pointers:
                key = act.key(name) if name in act.pointer_vars else f"global:{name}"
                state.pointers[key] = self._targets(right, state, act) or frozenset()
                return
        target = self._field_target(left, state, act)
        env = _Env(self, state, act)
        if target is not None:
            keys, spec = target
            value = evaluate(right, env)
            if op == "=":
                self._store(state, keys, spec, FieldState.of(value, origin, spec))
                return
            binary = op[:-1]
            for key in keys:
                old = state.fields.get(key, {}).get(spec.name)
                if old is None or old.unresolved is not None or isinstance(value, Unresolved):
                    reason = old.unresolved[1] if old is not None and old.unresolved is not None else \
                        value.reason if isinstance(value, Unresolved) else "the field is not initialised"
                    new = FieldState(unresolved=(origin, reason))
                else:
                    combined = combine(binary, frozenset(c.value for c in old.choices), value)
                    new = FieldState.of(combined, origin, spec)
                self._store(state, frozenset({key}), spec, new)
            return
        destination = self._structures(left, state, act)
        if destination and op == "=":
            source = self._structures(right, state, act)
            self._copy(state, destination, source, origin, text_of(right))
            return
        if left.type == "identifier":
            name = text_of(left)
            if name in act.scalar_vars:
                key = act.key(name)
                value = evaluate(right, env)
                if op != "=":
                    value = combine(op[:-1], state.scalars[key].abstract() if key in state.scalars
                                    else Unresolved(f"{name} is not initialised"), value)
                state.scalars[key] = FieldState.of(value, origin)

    def _initialise(self, state: State, act: Activation, slot: Slot, value: Node, origin: Origin) -> None:
        """A declaration's initialiser: designated or positional (with or without the Header's braces)."""
        if value.type != "initializer_list":
            source = self._structures(value, state, act)
            self._copy(state, frozenset({slot.key}), source, origin, text_of(value))
            return
        members = slot.family.members
        env = _Env(self, state, act)

        def store(path: str, item: Node) -> None:
            spec = slot.family.field(path)
            if spec is None:
                self.note(Origin(origin.file, line_of(item)), f"{slot.name}: no member {path} in "
                                                              f"{slot.family.c_type}")
                return
            self._store(state, frozenset({slot.key}), spec,
                        FieldState.of(evaluate(item, env), act.override or Origin(origin.file, line_of(item)),
                                      spec))

        def walk(items: Node, prefix: str, position: int) -> int:
            scoped = [(p, s) for p, s in members if p.startswith(prefix)] if prefix else members
            for item in named_children(items):
                if item.type == "initializer_pair":
                    designators = [text_of(d).lstrip(".") for d in item.children_by_field_name("designator")]
                    path = prefix + ".".join(designators)
                    inner = item.child_by_field_name("value")
                    if inner is None:
                        continue
                    if inner.type == "initializer_list":
                        walk(inner, path + ".", 0)
                    else:
                        store(path, inner)
                    index = next((i for i, (p, _) in enumerate(scoped) if p == path or p.startswith(path + ".")),
                                 None)
                    position = (index + 1) if index is not None else position
                    while position < len(scoped) and scoped[position][0].startswith(path + "."):
                        position += 1
                    continue
                if position >= len(scoped):
                    self.note(Origin(origin.file, line_of(item)), f"{slot.name}: more initialisers than members")
                    return position
                path = scoped[position][0]
                if item.type == "initializer_list":
                    group = path.rsplit(".", 1)[0] + "." if "." in path[len(prefix):] else ""
                    if group and group != prefix:
                        walk(item, group, 0)
                        while position < len(scoped) and scoped[position][0].startswith(group):
                            position += 1
                        continue
                    inner_items = list(named_children(item))
                    if inner_items:
                        store(path, inner_items[0])
                    position += 1
                    continue
                store(path, item)
                position += 1
            return position

        walk(value, "", 0)

    # -- member values outside capability structures (flow-insensitive) ---------------------------------
    def member_values(self, member: str, node: Node) -> Abstract:
        """The values every assignment in the tree gives a context member (`Adapter->NumVmQueues = …`)."""
        if self._member_writes is None:
            self._member_writes = {}
            for unit in self.units:
                for _, captures in QueryCursor(_MEMBER_ASSIGNMENTS).matches(unit.root):
                    name = text_of(captures["f"][0])
                    self._member_writes.setdefault(name, []).append((captures["v"][0], unit))
        writes = self._member_writes.get(member, [])
        text = text_of(node)[:60]
        if not writes:
            return Unresolved(f"{text} is set nowhere in the tree (run time)")
        if member in self._evaluating:
            return Unresolved(f"{text} depends on itself")
        self._evaluating.add(member)
        try:
            values: set[int] = set()
            for value, unit in writes:
                result = evaluate(value, _Env(self, None, self._global_activation(unit)))
                if isinstance(result, Unresolved):
                    return Unresolved(f"{text} = {text_of(value)[:60]} ({result.reason})")
                values |= result
        finally:
            self._evaluating.discard(member)
        if len(values) > MAX_VALUES:
            return Unresolved(f"{text} has more than {MAX_VALUES} values")
        return frozenset(values)

    # -- the result -------------------------------------------------------------------------------------
    def sections(self) -> list[SectionRead]:
        result: dict[str, SectionRead] = {}
        for section, fields in self.snapshots.items():
            keys = self.snapshot_slots.get(section, set())
            family = self.slots[next(iter(keys))].family
            result[section] = SectionRead(section, family, fields, tuple(self.slots[k] for k in sorted(keys)), True)
        for key in sorted(self.written):
            slot = self.slots[key]
            if key in self.ever_attached or key not in self.finals:
                continue
            section = slot.family.section(is_current(slot.name))
            if section in result and result[section].attached:
                continue
            previous = result.get(section)
            fields = self.finals[key] if previous is None else join_fields(previous.fields, self.finals[key])
            slots = (previous.slots if previous is not None else ()) + (slot,)
            result[section] = SectionRead(section, slot.family, fields, slots, False)
        order = [s for f in family_types() for s in f.sections]
        return [result[s] for s in order if s in result]


def family_types() -> list[Family]:
    return list(FAMILIES.values())


class _Env(Resolver):
    """Identifiers, members, calls and sizeof at one program point."""

    def __init__(self, interpreter: Interpreter, state: State | None, act: Activation | None) -> None:
        self.interpreter = interpreter
        self.state = state
        self.act = act

    def identifier(self, name: str, node: Node) -> Abstract:
        interpreter, state, act = self.interpreter, self.state, self.act
        if state is not None and act is not None and act.key(name) in state.scalars:
            return state.scalars[act.key(name)].abstract()
        if name in interpreter.enums:
            return interpreter.enums[name]
        macro = interpreter.macros.get(name)
        if macro is not None and macro.parameters is None:
            return self._macro(macro, macro.body)
        if name in NDIS_CONSTANTS:
            return known(NDIS_CONSTANTS[name])
        if name in interpreter.global_scalars and name not in interpreter._evaluating:
            value, unit = interpreter.global_scalars[name]
            interpreter._evaluating.add(name)
            try:
                return evaluate(value, _Env(interpreter, None, interpreter._global_activation(unit)))
            finally:
                interpreter._evaluating.discard(name)
        return Unresolved(f"{name} is not known")

    def _macro(self, macro: Macro, body: str) -> Abstract:
        interpreter = self.interpreter
        if macro.name in interpreter._evaluating or len(interpreter._evaluating) > 32:
            return Unresolved(f"{macro.name} expands into itself")
        if not body:
            return Unresolved(f"{macro.name} is defined empty")
        expression = parse_expression(body)
        if expression is None:
            return Unresolved(f"{macro.name} ({macro.file}:{macro.line}) is not an expression")
        interpreter._evaluating.add(macro.name)
        try:
            return evaluate(expression, self)
        finally:
            interpreter._evaluating.discard(macro.name)

    def member(self, node: Node) -> Abstract:
        interpreter, state, act = self.interpreter, self.state, self.act
        if state is not None and act is not None:
            target = interpreter._field_target(node, state, act)
            if target is not None:
                keys, spec = target
                fields = [state.fields.get(key, {}).get(spec.name) for key in keys]
                states = [f for f in fields if f is not None]
                if not states:
                    return Unresolved(f"{text_of(node)} is not set")
                joined = states[0]
                for other in states[1:]:
                    joined = joined.join(other)
                return joined.abstract()
        if node.type == "field_expression":
            member = node.child_by_field_name("field")
            if member is not None:
                return interpreter.member_values(text_of(member), node)
        return Unresolved(f"{text_of(node)[:60]} is decided at run time")

    def call(self, node: Node) -> Abstract:
        function = node.child_by_field_name("function")
        name = text_of(function) if function is not None else ""
        macro = self.interpreter.macros.get(name)
        if macro is not None and macro.parameters is not None:
            body = expand_function_macro(macro, node_arguments(node))
            if body is not None:
                return self._macro(macro, body)
        return Unresolved(f"{text_of(node)[:60]} is decided at run time")

    def sizeof(self, node: Node) -> Abstract:
        interpreter = self.interpreter
        type_node = node.child_by_field_name("type")
        if type_node is not None:
            text = text_of(type_node).replace("struct", "").strip()
            if text.endswith("*"):
                return known(POINTER_SIZE)
            found = family_of_type(text, interpreter.aliases)
            if found is not None:
                return known(POINTER_SIZE if found[1] else found[0].sizeof(interpreter.version))
            if text in SCALAR_SIZES:
                return known(SCALAR_SIZES[text])
            return Unresolved(f"sizeof({text}) is not known")
        value = node.child_by_field_name("value")
        if value is not None and strip_parentheses(value).type == "identifier":
            name = text_of(strip_parentheses(value))        # sizeof(TYPE) parses as sizeof of an expression
            found = family_of_type(name, interpreter.aliases)
            if found is not None:
                return known(POINTER_SIZE if found[1] else found[0].sizeof(interpreter.version))
            if name in SCALAR_SIZES:
                return known(SCALAR_SIZES[name])
        if value is not None and self.state is not None and self.act is not None:
            inner = strip_parentheses(value)
            slots = interpreter._structures(inner, self.state, self.act)
            if slots:
                return known(interpreter.slots[next(iter(slots))].family.sizeof(interpreter.version))
            if interpreter._targets(inner, self.state, self.act) is not None:
                return known(POINTER_SIZE)
        return Unresolved(f"{text_of(node)[:60]}: the size is not known")

