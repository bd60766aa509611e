namespace HwEmu.Devices.Pcie;

/// <summary>One iommu-map / msi-map entry: RIDs [RidBase, RidBase + Length) go to Target as TargetBase + (rid - RidBase).</summary>
/// <param name="RidBase">First requester ID covered (after the mask).</param>
/// <param name="Target">Name of the IOMMU or MSI controller node (the phandle).</param>
/// <param name="TargetBase">StreamID or DeviceID of <paramref name="RidBase"/>.</param>
/// <param name="Length">Number of IDs covered.</param>
public readonly record struct RidMapEntry(uint RidBase, string Target, uint TargetBase, uint Length);

/// <summary>
/// Device-tree iommu-map / msi-map (bindings pci-iommu.txt, pci-msi.txt) with its -mask property, resolved as
/// of_map_id() does: the RID is masked, the first entry containing it wins, an id-base outside the mask is
/// -EFAULT, and no match bypasses translation (id unchanged) with -ENODEV.
/// </summary>
public sealed class RidMap
{
    /// <summary>Creates a map from <paramref name="entries"/> with <paramref name="mask"/> (default all ones).</summary>
    public RidMap(IEnumerable<RidMapEntry> entries, uint mask = 0xffff_ffff)
    {
        Entries = entries.ToArray();
        Mask = mask;
    }

    /// <summary>Entries in property order.</summary>
    public IReadOnlyList<RidMapEntry> Entries { get; }

    /// <summary>The *-map-mask applied to the RID first.</summary>
    public uint Mask { get; }

    /// <summary>The identity map (RID = ID) onto <paramref name="target"/> for all 65536 RIDs, like QEMU virt's iommu-map.</summary>
    public static RidMap Identity(string target) => new([new RidMapEntry(0, target, 0, 0x10000)]);

    /// <summary>
    /// Maps <paramref name="rid"/>: returns None with the target node and output ID, -EFAULT for an entry whose
    /// id-base has bits outside the mask, or -ENODEV (output = input, no target) when nothing matches.
    /// </summary>
    public HwEmu.Devices.Host.Errno Map(uint rid, out string? target, out uint id)
    {
        uint masked = Mask & rid;
        foreach (var e in Entries)
        {
            if ((e.RidBase & ~Mask) != 0)
            {
                target = null;
                id = rid;
                return HwEmu.Devices.Host.Errno.EFAULT;
            }
            if (masked < e.RidBase || (ulong)masked >= (ulong)e.RidBase + e.Length) continue;
            target = e.Target;
            id = masked - e.RidBase + e.TargetBase;
            return HwEmu.Devices.Host.Errno.None;
        }
        target = null;
        id = rid;
        return HwEmu.Devices.Host.Errno.ENODEV;
    }
}
