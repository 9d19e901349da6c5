"""Source pages of the catalog (rules.md §1): tag → URL."""

from __future__ import annotations

NETWORK = "https://learn.microsoft.com/en-us/windows-hardware/drivers/network/"
DDI = "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/"

SOURCES: dict[str, str] = {
    "S1": NETWORK + "vmq-interrupt-requirements",
    "S2": NETWORK + "advertising-vmmq-capabilities",
    "S3": NETWORK + "standardized-inf-keywords-for-vmmq",
    "S4": NETWORK + "updating-vmmq-on-a-vport",
    "S5": NETWORK + "allocating-vports-for-vmmq",
    "S6": NETWORK + "overview-of-virtual-machine-multiple-queues",
    "S7": NETWORK + "vmmq-send-and-receive-processing",
    "S8": NETWORK + "standardized-inf-keywords-for-vmq",
    "S9": NETWORK + "standardized-inf-keywords-for-sr-iov",
    "S10": NETWORK + "standardized-inf-keywords-for-rss",
    "S11": NETWORK + "handling-sr-iov--vmq--and-rss-standardized-inf-keywords",
    "S12": NETWORK + "symmetric-and-asymmetric-assignment-of-queue-pairs",
    "S13": NETWORK + "determining-nic-switch-capabilities",
    "S14": NETWORK + "determining-the-vmq-capabilities-of-a-network-adapter",
    "S15": NETWORK + "determining-receive-filtering-capabilities",
    "S16": NETWORK + "determining-sr-iov-capabilities",
    "S17": NETWORK + "nondefault-virtual-ports-and-vmq",
    "S18": NETWORK + "handling-the-oid-nic-switch-create-switch-request",
    "S19": NETWORK + "oid-nic-switch-create-vport",
    "S20": NETWORK + "allocating-a-vm-queue",
    "S21": NETWORK + "msi-x-resource-filtering",
    "S22": NETWORK + "rss-configuration",
    "S23": NETWORK + "receive-side-scaling-version-2-rssv2-",
    "S24": NETWORK + "wdi-tlv-receive-coalescing-capabilities",
    "D1": DDI + "ntddndis/ns-ntddndis-_ndis_nic_switch_capabilities",
    "D2": DDI + "ntddndis/ns-ntddndis-_ndis_nic_switch_parameters",
    "D3": DDI + "ntddndis/ns-ntddndis-_ndis_receive_filter_capabilities",
    "D4": DDI + "ntddndis/ns-ntddndis-_ndis_rss_processor_info",
    "D5": DDI + "ndis/nf-ndis-ndisgetrssprocessorinformation",
    "D6": DDI + "ntddndis/ns-ntddndis-_ndis_receive_scale_capabilities",
    "D7": DDI + "ntddndis/ns-ntddndis-_ndis_receive_scale_parameters",
    "D8": DDI + "ntddndis/ns-ntddndis-_ndis_receive_queue_parameters",
    "D9": DDI + "ntddndis/ns-ntddndis-_ndis_nic_switch_vport_parameters",
    "D10": DDI + "ndis/ns-ndis-_ndis_miniport_adapter_hardware_assist_attributes",
    "D11": DDI + "ntddndis/ns-ntddndis-_ndis_nic_switch_info",
    "D12": DDI + "ndis/nf-ndis-ndismconfigmsixtableentry",
    # Derived rules (rules.md §5) cite the catalog section and the pages they derive from.
    "H1": "https://github.com/mingw-w64/mingw-w64/blob/master/mingw-w64-headers/include/ntddndis.h",
    "H3": "https://github.com/ntdiff/headers",
    "H2": "https://docs.rs/windows-sys/latest/windows_sys/Win32/NetworkManagement/Ndis/",
}


def url_of(tag: str) -> str:
    return SOURCES[tag]
