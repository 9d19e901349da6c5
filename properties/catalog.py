"""Every id of the rules catalog (rules.md §2 and §5), and why the ones not checked are not."""

from __future__ import annotations

from dataclasses import dataclass

from vmqproof.properties.registry import rules_by_id
from vmqproof.properties.results import Severity
from vmqproof.properties.sources import url_of


def _ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i}" for i in range(1, count + 1)]


CATALOG_IDS: tuple[str, ...] = tuple(
    _ids("VMQ-IRQ", 9) + _ids("RF-CAP", 21) + _ids("HWA", 7)
    + _ids("NSC", 15) + ["NSC-15b"] + [f"NSC-{i}" for i in range(16, 27)]
    + _ids("NSP", 11) + _ids("VMMQ-CAP", 5) + _ids("VMMQ-VP", 6) + _ids("VMMQ-RSS", 10)
    + _ids("VMQ-Q", 13) + _ids("MSIX", 6) + _ids("RSS-CAP", 7) + _ids("RPI", 7)
    + _ids("INF-VMMQ", 4) + _ids("INF-VMQ", 5) + _ids("INF-SRIOV", 6) + _ids("INF-RSS", 12)
    + _ids("VPORT", 9) + _ids("D", 20)
)

NOT_ENCODED_YET = "not encoded yet"
RUNTIME = "describes runtime behaviour or an OID sequence, which a static configuration does not hold"
INF_FILE = "applies to an INF file's declarations, which a configuration's [inf] (values in effect) does not hold"
READS = "constrains which registry keywords the driver reads; needs a trace of registry reads"


@dataclass(frozen=True, slots=True)
class Unchecked:
    id: str
    name: str
    severity: Severity
    sources: tuple[str, ...]
    reason: str


def _u(id: str, name: str, severity: str, sources: str, reason: str) -> Unchecked:
    return Unchecked(id, name, Severity(severity), tuple(sources.split()), reason)


UNCHECKED: tuple[Unchecked, ...] = (
    _u("VMQ-IRQ-3", "receive-filter-caps-reported", "info", "S1 S14 D10",
       "structural: vmq_sup is read from the hardware receive-filter capabilities, so they are reported by "
       "construction, and an absent section is not a claim that a structure is NULL (design.md)"),
    _u("NSC-20", "max-queue-pairs-reflects-hardware", "info", "S2",
       "says the value should match the real hardware, which a configuration cannot show"),
    _u("NSP-7", "static-switch-parameters-match", "error", "S18", RUNTIME),
    _u("NSP-10", "default-switch-registry-values", "error", "S9",
       "constrains registry values under NicSwitches\\0, which the configuration format does not hold"),
    _u("VMMQ-CAP-4", "ndis-answers-rss-capabilities", "info", "S2", RUNTIME),
    _u("VMMQ-VP-5", "disable-vmmq-returns-to-affinity", "error", "S4", RUNTIME),
    _u("VMMQ-VP-6", "num-queue-pairs-changed-in-set-only", "info", "S5 D9", RUNTIME),
    _u("VMMQ-RSS-6", "decreasing-queues-protocol", "error", "S4 S23", RUNTIME),
    _u("VMMQ-RSS-7", "increasing-queues-protocol", "error", "S4", RUNTIME),
    _u("VMMQ-RSS-8", "vport-datapath", "error", "S7", RUNTIME),
    _u("VMMQ-RSS-9", "minimal-interruption-on-update", "warning", "S7", RUNTIME),
    _u("VMMQ-RSS-10", "rssv2-update-invariants", "error", "S23",
       RUNTIME + "; its static part (table processors within the RSS set and the queue count) is VMMQ-RSS-5"),
    _u("INF-VMMQ-2", "vmmq-supports-all-rss-keywords", "warning", "S3", INF_FILE),
    _u("INF-VMQ-2", "hidden-keywords-not-in-inf", "error", "S8 S9", INF_FILE),
    _u("INF-VMQ-4", "preference-keyword-reads", "error", "S8", READS),
    _u("INF-VMQ-5", "reserved-keyword-reads", "error", "S8", READS),
    _u("INF-SRIOV-3", "interface-keyword-reads", "error", "S11", READS),
    _u("INF-SRIOV-4", "native-rss-exclusive", "error", "S11",
       "holds by construction: the INF-SRIOV-2 table from which vmq_en, sriov_en and rss_en are derived never "
       "enables native RSS together with VMQ or SR-IOV; advertising VMQ or SR-IOV current capabilities while they "
       "are not enabled is INF-SRIOV-5"),
    _u("INF-SRIOV-6", "rebinding-reinitializes", "info", "S11 S8", RUNTIME),
    _u("INF-RSS-12", "global-max-num-rss-cpus", "info", "S22",
       "concerns the global MaxNumRssCpus value under Services\\Ndis\\Parameters, outside the adapter's settings"),
)

_FAMILY_SOURCES = {
    "RF-CAP": ("D3", "S14", "S15"), "HWA": ("D10",), "VMQ-Q": ("D8", "S20"), "MSIX": ("S21", "D12"),
    "RSS-CAP": ("D6",), "RPI": ("D4",), "VPORT": ("D9",), "D": ("H1",),
}


def _family(rule_id: str) -> str:
    return rule_id.rsplit("-", 1)[0]


def unchecked_entries() -> dict[str, Unchecked]:
    """Catalog ids without a registry entry: the listed reasons, else 'not encoded yet'."""
    registry = rules_by_id()
    explicit = {u.id: u for u in UNCHECKED}
    entries: dict[str, Unchecked] = {}
    for rule_id in CATALOG_IDS:
        if rule_id in registry:
            continue
        entries[rule_id] = explicit.get(rule_id) or Unchecked(
            rule_id, rule_id.lower(), Severity.WARNING if rule_id.startswith("D-") else Severity.ERROR,
            _FAMILY_SOURCES.get(_family(rule_id), ()), NOT_ENCODED_YET)
    return entries


def known_ids() -> tuple[str, ...]:
    """The catalog's ids, then the ids vmqproof adds beyond the catalog (e.g. INF-DECL-*, HOST-*)."""
    return CATALOG_IDS + tuple(r for r in rules_by_id() if r not in CATALOG_IDS)


def catalog_listing() -> list[dict[str, object]]:
    """Every known id in order: id, name, severity, sources, checked, and reason when unchecked."""
    registry = rules_by_id()
    unchecked = unchecked_entries()
    listing: list[dict[str, object]] = []
    for rule_id in known_ids():
        if rule_id in registry:
            rule = registry[rule_id]
            listing.append({"id": rule.id, "name": rule.name, "severity": rule.severity.value,
                            "sources": list(rule.source_urls), "checked": True, "summary": rule.summary})
        else:
            entry = unchecked[rule_id]
            listing.append({"id": entry.id, "name": entry.name, "severity": entry.severity.value,
                            "sources": [url_of(t) for t in entry.sources], "checked": False,
                            "reason": entry.reason})
    return listing
