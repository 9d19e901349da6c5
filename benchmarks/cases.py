"""Generated configurations for the benchmark: a legal host of a given size.

VM queues beside a NIC switch are legal only with SR-IOV enabled (NSC-22), and then NumQueues ≥ 1 only under
the A10 reading `vmq-wins`; so the generated host enables SR-IOV and VMQ and chooses that reading.
"""

from __future__ import annotations

from pathlib import Path


def host(processors: int, groups: int, queues: int, vectors: int, vports: int) -> str:
    """A legal configuration: `processors` RSS processors spread over `groups` groups, one data vector per
    processor up to `vectors` (the rest 'other' up to 2), `queues` VM queues, `vports` VMMQ VPorts."""
    receive_filter = f"""revision = 2
enabled_filter_types = ["VMQ_FILTERS_ENABLED"]
enabled_queue_types = ["VM_QUEUES_ENABLED"]
supported_queue_properties = ["MSI_X_SUPPORTED", "VM_QUEUE_SUPPORTED", "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED",
    "INTERRUPT_VECTOR_COALESCING_SUPPORTED"]
supported_filter_tests = ["TEST_HEADER_FIELD_EQUAL_SUPPORTED"]
supported_headers = ["MAC_HEADER_SUPPORTED"]
supported_mac_header_fields = ["MAC_HEADER_DEST_ADDR_SUPPORTED"]
num_queues = {queues}
max_mac_header_filters = {queues}"""
    per_group = max(1, processors // groups)
    cpus = [f"{i // per_group}:{i % per_group}" for i in range(processors)]
    data = min(vectors, processors)
    other = min(2, vectors - data)
    vector_lines = [f'{{ id = {i}, kind = "data", cpu = "{cpus[i]}" }}' for i in range(data)]
    vector_lines += [f'{{ id = {data + i}, kind = "other" }}' for i in range(other)]
    table_size = max(vectors, queues + 1, 32)
    pairs = 4
    vport_blocks = []
    for v in range(vports):
        group = (v * pairs // per_group) % groups
        base = (v * pairs) % per_group
        mine = [f"{group}:{(base + k) % per_group}" for k in range(pairs)]
        table = ", ".join(f'"{mine[k % pairs]}"' for k in range(16))
        affinity = ", ".join(f'"{c}"' for c in mine)
        vport_blocks.append(f"[[vports]]\nid = {v}\nnum_queue_pairs = {pairs}\nvmmq = true\n"
                            f"processor_affinity = [{affinity}]\nindirection_table = [{table}]\n")
    queue_blocks = [f'[[queues]]\nid = {q + 1}\ncpu = "{cpus[q % processors]}"\nmsix_entry = {q + 1}\n'
                    for q in range(queues)]
    max_vports = max(vports, 2)
    nic_switch = f"""revision = 3
nic_switch_capabilities = ["SINGLE_VPORT_POOL", "NIC_SWITCH_WITHOUT_IOV_SUPPORTED", "RSS_ON_PF_VPORTS_SUPPORTED",
    "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED"]
max_num_switches = 1
max_num_vports = {max_vports}
max_num_queue_pairs = {max_vports * pairs}
max_num_queue_pairs_per_non_default_vport = {pairs}
max_num_mac_addresses = {max_vports}
max_num_rss_capable_non_default_pf_vports = {max_vports - 1}
number_of_indirection_table_entries_for_default_vport = 16
number_of_indirection_table_entries_per_non_default_pf_vport = 16
max_num_queue_pairs_for_default_vport = {pairs}"""
    return f'''format = "vmqproof/1"
[adapter]
ndis = "6.60"
[policy]
sriov_and_vmq_num_queues = "vmq-wins"
[inf]
"*VMQ" = 1
"*SRIOV" = 1
"*SriovPreferred" = 1
"*RssOnHostVPorts" = 1
"*RssOrVmqPreference" = 1
"*RSSProfile" = 1
[receive_filter.hardware]
{receive_filter}
[receive_filter.current]
{receive_filter}
[nic_switch.hardware]
{nic_switch}
[nic_switch.current]
{nic_switch}
[nic_switch.parameters]
revision = 2
switch_type = 1
num_queue_pairs_for_default_vport = {pairs}
[rss_capabilities]
revision = 3
capabilities_flags = ["HASH_FUNCTION_TOEPLITZ", "HASH_TYPE_TCP_IPV4", "SUPPORTS_MSI_X"]
number_of_interrupt_messages = {table_size}
number_of_receive_queues = 16
number_of_indirection_table_entries = 128
[rss_processors]
processors = [{", ".join(f'"{c}"' for c in cpus)}]
[msix]
table_size = {table_size}
vectors = [{", ".join(vector_lines)}]
''' + "\n".join(vport_blocks) + "\n" + "\n".join(queue_blocks)


_FILLER = """
static NDIS_STATUS
Mp{name}(
    _In_ PMP_ADAPTER Adapter,
    _In_reads_bytes_(Length) PUCHAR Buffer,
    _In_ ULONG Length
    )
{{
    ULONG index;
    ULONG checksum = 0;
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;

    PAGED_CODE();
    for (index = 0; index < Length; index++) {{
        checksum += Buffer[index] ^ (index & 0xFF);
        if ((checksum & MP_MASK) == MP_MASK) {{
            Adapter->Stats.Wraps++;
        }}
    }}
    switch (Adapter->State) {{
    case MpStateRunning:
        status = Mp{callee}(Adapter, Buffer, Length / 2);
        break;
    case MpStatePaused:
        Adapter->Stats.Paused += 1;
        break;
    default:
        status = NDIS_STATUS_FAILURE;
        break;
    }}
#if DBG
    DbgPrint("checksum %u\\n", checksum);
#endif
    Adapter->Stats.LastChecksum = checksum;
    Adapter->RssCaps.NumberOfInterruptMessages = MP_QUEUES * 2;
    return status;
}}
"""

_CAPABILITIES = """
#include "bench.h"

_Use_decl_annotations_
NDIS_STATUS
MpSetHardwareAssist(PMP_ADAPTER Adapter)
{
    NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES hwa;
    NDIS_RECEIVE_FILTER_CAPABILITIES hw;
    NDIS_RECEIVE_FILTER_CAPABILITIES cur;

    NdisZeroMemory(&hwa, sizeof(hwa));
    NdisZeroMemory(&hw, sizeof(hw));
    hw.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    hw.Header.Revision = NDIS_RECEIVE_FILTER_CAPABILITIES_REVISION_2;
    hw.Header.Size = NDIS_SIZEOF_RECEIVE_FILTER_CAPABILITIES_REVISION_2;
    hw.EnabledFilterTypes = NDIS_RECEIVE_FILTER_VMQ_FILTERS_ENABLED;
    hw.EnabledQueueTypes = NDIS_RECEIVE_FILTER_VM_QUEUES_ENABLED;
    hw.NumQueues = MP_QUEUES - 1;
    hw.SupportedQueueProperties = NDIS_RECEIVE_FILTER_MSI_X_SUPPORTED | NDIS_RECEIVE_FILTER_VM_QUEUE_SUPPORTED |
        NDIS_RECEIVE_FILTER_DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED |
        NDIS_RECEIVE_FILTER_INTERRUPT_VECTOR_COALESCING_SUPPORTED;
    hw.SupportedFilterTests = NDIS_RECEIVE_FILTER_TEST_HEADER_FIELD_EQUAL_SUPPORTED;
    hw.SupportedHeaders = NDIS_RECEIVE_FILTER_MAC_HEADER_SUPPORTED;
    hw.SupportedMacHeaderFields = NDIS_RECEIVE_FILTER_MAC_HEADER_DEST_ADDR_SUPPORTED;
    hw.MaxMacHeaderFilters = MP_QUEUES;
    NdisMoveMemory(&cur, &hw, sizeof(cur));
    if (!Adapter->VmqEnabled) {
        cur.SupportedQueueProperties &= ~NDIS_RECEIVE_FILTER_VM_QUEUE_SUPPORTED;
        cur.NumQueues = 0;
    }
    Adapter->RssCaps.Header.Type = NDIS_OBJECT_TYPE_RSS_CAPABILITIES;
    Adapter->RssCaps.Header.Revision = NDIS_RECEIVE_SCALE_CAPABILITIES_REVISION_3;
    Adapter->RssCaps.Header.Size = NDIS_SIZEOF_RECEIVE_SCALE_CAPABILITIES_REVISION_3;
    Adapter->RssCaps.CapabilitiesFlags = NdisHashFunctionToeplitz | NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV4 |
        NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6 | NDIS_RSS_CAPS_SUPPORTS_MSI_X | NDIS_RSS_CAPS_MESSAGE_SIGNALED_INTERRUPTS;
    Adapter->RssCaps.NumberOfReceiveQueues = MP_QUEUES;
    Adapter->RssCaps.NumberOfIndirectionTableEntries = 128;
    MpHelper0(Adapter, NULL, 0);
    hwa.HardwareReceiveFilterCapabilities = &hw;
    hwa.CurrentReceiveFilterCapabilities = &cur;
    return NdisMSetMiniportAttributes(Adapter->Handle, (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&hwa);
}
"""

_HEADER = """#pragma once
#define MP_QUEUES 16
#define MP_MASK 0xFF00
typedef enum _MP_STATE { MpStateRunning, MpStatePaused, MpStateHalted } MP_STATE;
typedef struct _MP_STATS { ULONG Wraps; ULONG Paused; ULONG LastChecksum; } MP_STATS;
typedef struct _MP_ADAPTER {
    NDIS_HANDLE Handle;
    BOOLEAN VmqEnabled;
    MP_STATE State;
    MP_STATS Stats;
    NDIS_RECEIVE_SCALE_CAPABILITIES RssCaps;
} MP_ADAPTER, *PMP_ADAPTER;
"""


def driver_tree(directory: Path, lines: int = 50_000, files: int = 50) -> int:
    """A generated miniport source tree of about `lines` lines in `files` .c files: driver code (loops, switches,
    calls, #if blocks, SAL) around one file that fills and hands over the receive-filter capabilities. Every
    function also writes a member of the adapter's RSS capabilities and calls the next one of its file, so the
    reader follows all of them (each file's first function is a root, its chain is followed up to the call depth
    limit). Returns the number of lines written."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "bench.h").write_text(_HEADER, encoding="utf-8")
    (directory / "caps.c").write_text(_CAPABILITIES, encoding="utf-8")
    written = _HEADER.count("\n") + _CAPABILITIES.count("\n")
    per_function = _FILLER.count("\n")
    functions = max(1, -(-(lines - written) // (per_function * files)))
    for file_index in range(files):
        body = ['#include "bench.h"\n']
        for function_index in range(functions):
            number = file_index * functions + function_index
            name = "Helper0" if number == 0 else f"Work{number}"
            last = function_index + 1 == functions
            callee = f"Work{number + 1}" if not last else "Halt"
            body.append(_FILLER.format(name=name, callee=callee))
        text = "".join(body)
        (directory / f"work{file_index:02d}.c").write_text(text, encoding="utf-8")
        written += text.count("\n")
    return written
