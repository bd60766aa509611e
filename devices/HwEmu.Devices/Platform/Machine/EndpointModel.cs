using HwEmu.Devices.Pcie;
using HwEmu.Devices.Platform.Reporting;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// One device model bound to an endpoint during a run: its link, its workload generators, its MSI-X table and the
/// ring positions its operations use. The transaction flow lives in <see cref="ScenarioMachine"/>; this holds the
/// per-device state that flow reads and updates.
/// </summary>
public sealed class EndpointModel : IMsiWriter
{
    /// <summary>Bytes of one NVMe submission queue entry.</summary>
    public const int SqeBytes = 64;
    /// <summary>Bytes of one NVMe completion queue entry.</summary>
    public const int CqeBytes = 16;
    /// <summary>Bytes of one NIC receive descriptor.</summary>
    public const int RxDescriptorBytes = 16;

    private readonly ScenarioMachine _machine;
    private readonly int[] _sqIndex;
    private readonly int[] _cqIndex;
    private readonly int[] _coalesced; // per queue: interrupt coalescing is per completion queue / vector
    private long _operationsStarted;

    internal EndpointModel(ScenarioMachine machine, int index, DeviceSpec spec, EndpointSpec endpoint, int fabricNode, PcieLink link,
        DeviceBinding binding, DeviceResults results)
    {
        _machine = machine;
        Index = index;
        Spec = spec;
        Endpoint = endpoint;
        FabricNode = fabricNode;
        Link = link;
        Binding = binding;
        Results = results;
        _sqIndex = new int[Math.Max(1, spec.Queues)];
        _cqIndex = new int[Math.Max(1, spec.Queues)];
        _coalesced = new int[Math.Max(1, spec.Queues)];
        if (spec.MsixVectors > 0)
            Msix = new MsixTable(spec.Name + "-msix", spec.MsixVectors, spec.MsixTableOffset, spec.MsixPbaOffset, this);
    }

    /// <summary>Index of the device in the scenario's device list.</summary>
    public int Index { get; }
    /// <summary>The device description.</summary>
    public DeviceSpec Spec { get; }
    /// <summary>The endpoint it is bound to.</summary>
    public EndpointSpec Endpoint { get; }
    /// <summary>Fabric node of the endpoint.</summary>
    public int FabricNode { get; }
    /// <summary>The endpoint's link.</summary>
    public PcieLink Link { get; }
    /// <summary>Where its buffers, rings and MSI messages are.</summary>
    public DeviceBinding Binding { get; }
    /// <summary>Its results.</summary>
    public DeviceResults Results { get; }
    /// <summary>The MSI-X table (null without MSI-X); the host programs it through its MMIO interface.</summary>
    public MsixTable? Msix { get; }
    /// <summary>Workload generators driving the device.</summary>
    internal List<DmaStreamGenerator> Generators { get; } = [];
    /// <summary>Whether the workload of the same index targets host memory through the domain or a peer BAR.</summary>
    internal List<bool> PeerTargets { get; } = [];

    /// <summary>Bytes of the ring area a device of <paramref name="spec"/> needs in its address space.</summary>
    public static ulong RingBytes(DeviceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ulong q = (ulong)Math.Max(1, spec.Queues), e = (ulong)Math.Max(2, spec.QueueEntries);
        return spec.Kind switch
        {
            // SQs, then CQs, then one PRP-list page per SQ slot.
            DeviceKind.Nvme => RoundUp(q * e * SqeBytes) + RoundUp(q * e * CqeBytes) + q * e * 4096,
            DeviceKind.Nic => RoundUp(q * e * RxDescriptorBytes),
            _ => 0,
        };
    }

    private static ulong RoundUp(ulong v) => (v + 4095) & ~4095UL;

    /// <summary>Queue the next operation goes to (round robin over the queues).</summary>
    internal int NextQueue() => (int)(_operationsStarted++ % _sqIndex.Length);

    /// <summary>Device address of the next SQE of <paramref name="queue"/> (advances the queue's head).</summary>
    internal ulong NextSqe(int queue, out int slot)
    {
        int e = Math.Max(2, Spec.QueueEntries);
        slot = _sqIndex[queue];
        _sqIndex[queue] = slot + 1 == e ? 0 : slot + 1;
        return Binding.RingBase + ((ulong)queue * (ulong)e + (ulong)slot) * SqeBytes;
    }

    /// <summary>Device address of the PRP list page of SQ slot <paramref name="slot"/> of <paramref name="queue"/>.</summary>
    internal ulong PrpList(int queue, int slot)
    {
        ulong q = (ulong)_sqIndex.Length, e = (ulong)Math.Max(2, Spec.QueueEntries);
        return Binding.RingBase + RoundUp(q * e * SqeBytes) + RoundUp(q * e * CqeBytes) + ((ulong)queue * e + (ulong)slot) * 4096;
    }

    /// <summary>Device address of the next CQE of <paramref name="queue"/> (advances the queue's tail).</summary>
    internal ulong NextCqe(int queue)
    {
        int e = Math.Max(2, Spec.QueueEntries);
        ulong q = (ulong)_sqIndex.Length;
        int slot = _cqIndex[queue];
        _cqIndex[queue] = slot + 1 == e ? 0 : slot + 1;
        return Binding.RingBase + RoundUp(q * (ulong)e * SqeBytes) + ((ulong)queue * (ulong)e + (ulong)slot) * CqeBytes;
    }

    /// <summary>Device address of the next RX descriptor of ring <paramref name="queue"/>.</summary>
    internal ulong NextRxDescriptor(int queue)
    {
        int e = Math.Max(2, Spec.QueueEntries);
        int slot = _sqIndex[queue];
        _sqIndex[queue] = slot + 1 == e ? 0 : slot + 1;
        return Binding.RingBase + ((ulong)queue * (ulong)e + (ulong)slot) * RxDescriptorBytes;
    }

    /// <summary>An operation of <paramref name="queue"/> completed: raises its vector every <see cref="DeviceSpec.CoalesceCount"/> completions.</summary>
    internal void OperationCompleted(int queue)
    {
        if (++_coalesced[queue] < Math.Max(1, Spec.CoalesceCount)) return;
        _coalesced[queue] = 0;
        // NVMe: vector 0 belongs to the admin queue, I/O queue q uses vector q + 1.
        int vector = Spec.Kind == DeviceKind.Nvme ? queue + 1 : queue;
        if (Msix is not null)
        {
            int v = vector < Msix.Vectors ? vector : Msix.Vectors - 1;
            Msix.Trigger(v);
        }
        else if (Spec.MsiVectors > 0 && Binding.Vectors.Count > 0)
        {
            // Plain MSI: consecutive data values from the base message (multiple message enable).
            (ulong address, uint data) = Binding.Vectors[0];
            int v = Math.Min(vector, Spec.MsiVectors - 1);
            _machine.SendMsi(this, address, data + (uint)v);
        }
    }

    /// <inheritdoc/>
    void IMsiWriter.SendMsi(int vector, ulong address, uint data) => _machine.SendMsi(this, address, data);
}
