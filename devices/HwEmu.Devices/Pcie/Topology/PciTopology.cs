namespace HwEmu.Devices.Pcie;

/// <summary>
/// Static description of one PCIe hierarchy (a root complex with its root bus, root ports, switches, bridges and
/// endpoints) plus the Linux PCI-core rules that depend only on it: ACS checks (pci_acs_enabled,
/// pci_acs_path_enabled), DMA aliases (pci_for_each_dma_alias) and the order devices are added and bound.
/// </summary>
public sealed class PciTopology
{
    private readonly List<PciFunction> _functions = new();

    /// <summary>Creates an empty hierarchy whose root bus is <paramref name="rootBus"/>.</summary>
    public PciTopology(int rootBus = 0, int segment = 0)
    {
        RootBus = rootBus;
        Segment = segment;
    }

    /// <summary>Root bus number.</summary>
    public int RootBus { get; }

    /// <summary>PCI segment.</summary>
    public int Segment { get; }

    /// <summary>
    /// Linux enables SV|RR|CR|UF (where implemented) in every ACS capability it finds because the IOMMU code
    /// requested ACS (pci_request_acs / pci_std_enable_acs). True by default.
    /// </summary>
    public bool KernelEnablesAcs { get; init; } = true;

    /// <summary>All functions in the order they were added.</summary>
    public IReadOnlyList<PciFunction> Functions => _functions;

    /// <summary>Adds a function; returns this for chaining.</summary>
    public PciTopology Add(PciFunction function)
    {
        if (Find(function.Bdf) is not null) throw new ArgumentException($"duplicate function {function.Bdf}");
        _functions.Add(function);
        return this;
    }

    /// <summary>The function at <paramref name="bdf"/>, or null.</summary>
    public PciFunction? Find(PciBdf bdf)
    {
        foreach (var f in _functions) if (f.Bdf.Rid == bdf.Rid && f.Bdf.Segment == bdf.Segment) return f;
        return null;
    }

    /// <summary>bus-&gt;self: the bridge whose secondary bus is <paramref name="bus"/> (null for the root bus or a virtual bus).</summary>
    public PciFunction? BusSelf(int bus)
    {
        if (bus == RootBus) return null;
        foreach (var f in _functions) if (f.SecondaryBus == bus) return f;
        return null;
    }

    /// <summary>The ACS control value Linux ends up with (firmware value plus what pci_std_enable_acs sets).</summary>
    public PciAcs EffectiveAcsControl(PciFunction f)
    {
        if (!f.HasAcsCapability) return PciAcs.None;
        var ctrl = f.AcsControl;
        if (KernelEnablesAcs) ctrl |= f.AcsCapability & PciAcs.Required;
        return ctrl;
    }

    private bool AcsFlagsEnabled(PciFunction f, PciAcs flags)
    {
        if (!f.HasAcsCapability) return false;
        // Except for egress control, features missing from the capability are hard-wired enabled.
        flags &= f.AcsCapability | PciAcs.EC;
        return (EffectiveAcsControl(f) & flags) == flags;
    }

    /// <summary>pci_acs_enabled(pdev, flags).</summary>
    public bool AcsEnabled(PciFunction f, PciAcs flags)
    {
        if (f.AcsQuirk.HasValue) return f.AcsQuirk.Value;
        switch (f.Kind)
        {
            case PciFunctionKind.ConventionalDevice:
            case PciFunctionKind.ConventionalBridge:
                return false; // a shared bus can snoop anything
            case PciFunctionKind.PciToPcieBridge:
            case PciFunctionKind.PcieToPciBridge:
            case PciFunctionKind.RcEventCollector:
                return false; // PCIe 3.0 6.12.1: ACS never applicable
            case PciFunctionKind.SwitchDownstreamPort:
            case PciFunctionKind.RootPort:
                return AcsFlagsEnabled(f, flags);
            case PciFunctionKind.Endpoint:
            case PciFunctionKind.SwitchUpstreamPort:
            case PciFunctionKind.LegacyEndpoint:
            case PciFunctionKind.RcIntegratedEndpoint:
                if (!f.Multifunction) break;
                return AcsFlagsEnabled(f, flags);
        }
        return true; // PCIe 3.0 6.12.1.3: single-function devices other than downstream ports
    }

    /// <summary>pci_acs_path_enabled(start, NULL, flags): ACS at every step from <paramref name="start"/> to the root bus.</summary>
    public bool AcsPathEnabled(PciFunction start, PciAcs flags)
    {
        var pdev = start;
        for (int hops = 0; hops <= MaxDepth; hops++)
        {
            if (!AcsEnabled(pdev, flags)) return false;
            if (pdev.Bdf.Bus == RootBus) return true;
            var parent = BusSelf(pdev.Bdf.Bus);
            if (parent is null) return true;
            pdev = parent;
        }
        return false; // a cyclic description: treat as not isolated
    }

    /// <summary>Upper bound on bridge hops when walking towards the root (a cyclic description stops there).</summary>
    public const int MaxDepth = 256;

    /// <summary>
    /// pci_for_each_dma_alias(): (function, requester ID) pairs in the kernel's order — own RID, quirk aliases,
    /// then one alias per PCIe-to-PCI or conventional bridge on the way up (PCIe ports add none).
    /// </summary>
    public List<(PciFunction Function, ushort Alias)> DmaAliases(PciFunction f)
    {
        var list = new List<(PciFunction, ushort)> { (f, f.Bdf.Rid) };
        foreach (int devfn in f.DmaAliasDevFns) list.Add((f, (ushort)((f.Bdf.Bus << 8) | devfn)));
        int bus = f.Bdf.Bus;
        for (int hops = 0; bus != RootBus && hops <= MaxDepth; hops++)
        {
            var tmp = BusSelf(bus);
            if (tmp is null) break; // virtual bus without a bridge: treat as the top
            switch (tmp.Kind)
            {
                case PciFunctionKind.RootPort:
                case PciFunctionKind.SwitchUpstreamPort:
                case PciFunctionKind.SwitchDownstreamPort:
                    break;
                case PciFunctionKind.PcieToPciBridge:
                    list.Add((tmp, (ushort)(tmp.SecondaryBus!.Value << 8)));
                    break;
                case PciFunctionKind.PciToPcieBridge:
                    list.Add((tmp, tmp.Bdf.Rid));
                    break;
                case PciFunctionKind.ConventionalBridge:
                    list.Add((tmp, tmp.PcieBridgeAlias ? (ushort)(tmp.SecondaryBus!.Value << 8) : tmp.Bdf.Rid));
                    break;
            }
            bus = tmp.Bdf.Bus;
        }
        return list;
    }

    /// <summary>pci_devs_are_dma_aliases(): same bus and one lists the other's devfn as a quirk alias.</summary>
    public static bool DevsAreDmaAliases(PciFunction a, PciFunction b)
        => a.Bdf.Bus == b.Bdf.Bus && (a.DmaAliasDevFns.Contains(b.Bdf.DevFn) || b.DmaAliasDevFns.Contains(a.Bdf.DevFn));

    /// <summary>
    /// The order pci_bus_add_devices() adds (and binds drivers to) functions: every function of a bus in devfn
    /// order, then each bridge's secondary bus in turn.
    /// </summary>
    public List<PciFunction> AddOrder()
    {
        var order = new List<PciFunction>();
        AddBus(RootBus, order, new HashSet<int>());
        return order;
    }

    private void AddBus(int bus, List<PciFunction> order, HashSet<int> seen)
    {
        if (!seen.Add(bus)) return;
        var onBus = _functions.Where(f => f.Bdf.Bus == bus).OrderBy(f => f.Bdf.DevFn).ToList();
        order.AddRange(onBus);
        foreach (var f in onBus)
            if (f.SecondaryBus is int sec) AddBus(sec, order, seen);
    }
}
