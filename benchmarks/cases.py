"""Generated configurations for the benchmark: a legal host of a given size.

VM queues beside a NIC switch are legal only with SR-IOV enabled (NSC-22), and then NumQueues ≥ 1 only under
the A10 reading `vmq-wins`; so the generated host enables SR-IOV and VMQ and chooses that reading.
"""

from __future__ import annotations


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
