"""INF declarations (rules.md D-12, INF-VMQ-2): what an INF file declares in `Ndi\\Params\\<kw>` for a model.

These rules apply only to configurations read from an INF file (`config.inf_source`); `[inf]` holds values in
effect, never declarations (design.md). The documented value sets of the standardized keywords (INF-RSS-*,
INF-VMQ-1, …) are checked by the existing value rules: a declared keyword is an open `[inf]` field whose domain
is what the declaration lets a user pick.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from vmqproof.model.config import keywords as K
from vmqproof.model.config.declarations import InfDeclaration, parse_number
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule


def where(declaration: InfDeclaration, value: str | None = None) -> str:
    path = f"Ndi\\Params\\{declaration.keyword}"
    return f"{path}.{value}" if value else path


def unexpanded(declaration: InfDeclaration, instance: str, what: str, macros: Iterable[str]) -> Obligation:
    """An instance a template leaves open (its values are build-time macros): not applicable until the build
    expands them, never a violation on the macro."""
    names = ", ".join(dict.fromkeys(repr(m) for m in macros))
    return Obligation(instance, True, f"{declaration.keyword} has the build-time {what} {names}: open until the "
                      "template is built", guard=False)


@rule("INF-DECL-1", "enum-default-declared", "error", "S10",
      "An enum keyword's declared default is one of its declared enum values.")
def enum_default_declared(cx: RuleContext) -> Iterator[Obligation]:
    model = cx.config.inf_source
    if model is None:
        return
    for declaration in model.declarations:
        if not declaration.is_enum:
            continue
        values = declaration.enum_values()
        default = declaration.get("default")
        if default is not None and default.unexpanded:
            yield unexpanded(declaration, where(declaration, "default"), "default", [default.value])
            continue
        if default is None:
            ok, text = False, "declares no default"
        else:
            number = parse_number(default.value)
            ok = any(v.strip().lower() == default.value.strip().lower()
                     or (number is not None and parse_number(v) == number) for v in values)
            open_values = [v for v in declaration.enum if v.unexpanded]
            if not ok and open_values:          # the default may be one of the values the build fills in
                yield unexpanded(declaration, where(declaration, "default"), "enum values",
                                 [v.name for v in open_values])
                continue
            text = f"has default {default.value!r}, which is not one of its enum values {{{', '.join(values)}}}"
        yield Obligation(where(declaration, "default"), bool(ok),
                         f"{declaration.keyword} (enum) {text}")


@rule("INF-DECL-2", "numeric-default-in-range", "error", "S10",
      "A numeric keyword (int, long, word, dword) has min ≤ default ≤ max, and default − min is a multiple of a "
      "positive step.")
def numeric_default_in_range(cx: RuleContext) -> Iterator[Obligation]:
    model = cx.config.inf_source
    if model is None:
        return
    for declaration in model.declarations:
        if not declaration.is_numeric:
            continue
        low, high = declaration.bounds()
        default = declaration.number("default")
        step = declaration.number("step")
        # Build-time macros are open: only what the concrete values already decide is checked.
        open_values = declaration.unexpanded("default", "min", "max", "step")
        is_open = {v.name for v in open_values}
        problems = []
        if declaration.get("default") is None:
            problems.append("declares no default")
        elif default is None and "default" not in is_open:
            problems.append(f"has a default that is not a number ({declaration.get('default').value!r})")  # type: ignore[union-attr]
        if any(declaration.get(name) is not None and declaration.number(name) is None and name not in is_open
               for name in ("min", "max")):
            problems.append("has a min or max that is not a number")
        low_open, high_open = declaration.unexpanded("min"), declaration.unexpanded("max")
        if not (low_open or high_open) and low > high:
            problems.append(f"has min {low} > max {high}")
        elif default is not None and not ((low_open or low <= default) and (high_open or default <= high)):
            shown = [entry[0].value if entry else number for entry, number in ((low_open, low), (high_open, high))]
            problems.append(f"has default {default} outside [min, max] = [{shown[0]}, {shown[1]}]")
        if declaration.get("step") is not None and "step" not in is_open:
            if step is None or step < 1:
                problems.append(f"has step {declaration.get('step').value!r}, not a positive number")  # type: ignore[union-attr]
            elif default is not None and "min" not in is_open and (default - low) % step:
                problems.append(f"has default {default}, not min {low} plus a multiple of step {step}")
        value = "default" if declaration.get("default") is not None else None
        if open_values and not problems:
            yield unexpanded(declaration, where(declaration, value), "values", [v.value for v in open_values])
            continue
        yield Obligation(where(declaration, value), not problems,
                         f"{declaration.keyword} ({declaration.type}) " + "; ".join(problems or ["is well formed"]))


@rule("INF-DECL-3", "declared-type-matches-standard", "warning", "S10",
      "A standardized keyword is declared with the type its keyword page gives (enum, or a numeric type for int).")
def declared_type_matches(cx: RuleContext) -> Iterator[Obligation]:
    model = cx.config.inf_source
    if model is None:
        return
    for declaration in model.declarations:
        spec = K.lookup(declaration.keyword)
        if spec is None:
            continue
        if open_type := declaration.unexpanded("type"):
            yield unexpanded(declaration, where(declaration, "type"), "type", [v.value for v in open_type])
            continue
        ok = declaration.is_enum if spec.kind == "enum" else declaration.is_numeric
        yield Obligation(where(declaration, "type"), bool(ok),
                         f"{declaration.keyword} is declared as {declaration.type or 'no type'!s}; the standardized "
                         f"definition is {spec.kind}")


@rule("INF-VMQ-2", "hidden-keywords-not-in-inf", "error", "S8 S9",
      "The hidden keywords *RssOrVmqPreference and *SriovPreferred are not specified in the INF (neither declared "
      "under Ndi\\Params nor written).")
def hidden_keywords_not_in_inf(cx: RuleContext) -> Iterator[Obligation]:
    model = cx.config.inf_source
    if model is None:
        return
    for spec in K.KEYWORDS:
        if not spec.hidden:
            continue
        declaration = model.declaration(spec.name)
        write = model.write(spec.name)
        if declaration is not None:
            yield Obligation(where(declaration), False,
                             f"{spec.name} is hidden and must not be specified in the INF, but it is declared")
        elif write is not None:
            yield Obligation(f"HKR.{write.name}", False,
                             f"{spec.name} is hidden and must not be specified in the INF, but it is written")
        else:
            yield Obligation(f"INF ({spec.name})", True, f"{spec.name} is not specified in the INF")


@rule("INF-DECL-4", "template-placeholders", "info", "S10",
      "The INF has no unexpanded @NAME@ template placeholders, and a template (.inx) no values that are bare "
      "build-time macro names (values holding them are open).")
def template_placeholders(cx: RuleContext) -> Iterator[Obligation]:
    model = cx.config.inf_source
    if model is None:
        return
    names = [name for name, _ in model.placeholders]
    yield Obligation("INF template", not names,
                     "the INF is a template with placeholders or build-time macros " + ", ".join(names[:8])
                     + (" …" if len(names) > 8 else "") + "; values holding them are open")


@rule("INF-DECL-5", "include-fragment", "info", "S10",
      "The file is a whole INF, not an include fragment (HKR lines without a section header, to be pasted into "
      "an install section), which is read as one anonymous install section.")
def include_fragment(cx: RuleContext) -> Iterator[Obligation]:
    model = cx.config.inf_source
    if model is None:
        return
    yield Obligation("INF file", not model.fragment,
                     "the file is an include fragment: its HKR lines are read as one anonymous install section, "
                     "without the [Manufacturer], models and install sections that would name it" if model.fragment
                     else "the file is a whole INF with [Manufacturer] and its models")


RSS_KEYWORDS = ("*RSS", "*RSSProfile", "*RssBaseProcGroup", "*RssBaseProcNumber", "*RssMaxProcGroup",
                "*RssMaxProcNumber", "*MaxRssProcessors", "*NumaNodeId", "*NumRSSQueues")


@rule("INF-VMMQ-2", "vmmq-supports-all-rss-keywords", "warning", "S3",
      "A VMMQ-capable model (it declares *RssOnHostVPorts) declares every standardized RSS keyword.")
def vmmq_supports_all_rss_keywords(cx: RuleContext) -> Iterator[Obligation]:
    model = cx.config.inf_source
    if model is None:
        return
    vmmq = model.declaration("*RssOnHostVPorts")
    if vmmq is None:
        return
    missing = [name for name in RSS_KEYWORDS if model.declaration(name) is None]
    yield Obligation(where(vmmq), not missing,
                     "the model declares *RssOnHostVPorts (VMMQ) but not the standardized RSS keywords "
                     + ", ".join(missing))


RULES: tuple[Rule, ...] = (enum_default_declared, numeric_default_in_range, declared_type_matches,
                           hidden_keywords_not_in_inf, template_placeholders, include_fragment,
                           vmmq_supports_all_rss_keywords)
