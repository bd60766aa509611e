namespace HwEmu.Devices.Pcie;

/// <summary>One iommu-map / msi-map entry: masked requester IDs [RidBase, RidBase+Length) map to [Base, ...).</summary>
/// <param name="RidBase">First requester ID covered (compared after the mask).</param>
/// <param name="Base">Output ID (StreamID or DeviceID) of <paramref name="RidBase"/>.</param>
/// <param name="Length">Number of requester IDs covered.</param>
public readonly record struct IdMapEntry(uint RidBase, uint Base, uint Length);

/// <summary>
/// Requester ID to StreamID (iommu-map) or MSI DeviceID (msi-map) translation as described by the devicetree
/// bindings pci/pci-iommu.yaml and pci/pci-msi.yaml and applied by Linux of_map_id(): the RID is ANDed with the
/// map mask, then the first entry whose [rid-base, rid-base + length) contains it gives base + (rid - rid-base).
/// A RID no entry covers has no ID (the device is not behind this IOMMU / MSI controller).
/// Lookups use a 64 Ki table built once, so the hot path is one array read.
/// </summary>
public sealed class IdMap
{
    private const ulong Unmapped = ulong.MaxValue;
    private readonly ulong[] _table = new ulong[0x10000];

    /// <summary>Builds the map from <paramref name="entries"/> (first match wins, as in of_map_id) and <paramref name="mask"/>.</summary>
    public IdMap(IReadOnlyList<IdMapEntry> entries, uint mask = 0xffff)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = entries.ToArray();
        Mask = mask;
        for (int rid = 0; rid < 0x10000; rid++)
        {
            uint masked = (uint)rid & mask;
            ulong id = Unmapped;
            foreach (IdMapEntry e in Entries)
            {
                if (masked >= e.RidBase && masked - e.RidBase < e.Length)
                {
                    id = (uint)(e.Base + (masked - e.RidBase));
                    break;
                }
            }
            _table[rid] = id;
        }
    }

    /// <summary>The identity map (ID = RID), what a devicetree without iommu-map/msi-map implies for a 1:1 bus.</summary>
    public static IdMap Identity { get; } = new([new IdMapEntry(0, 0, 0x10000)]);

    /// <summary>The entries in lookup order.</summary>
    public IReadOnlyList<IdMapEntry> Entries { get; }

    /// <summary>The iommu-map-mask / msi-map-mask.</summary>
    public uint Mask { get; }

    /// <summary>Maps <paramref name="rid"/>; false when no entry covers the masked RID.</summary>
    public bool TryMap(ushort rid, out uint id)
    {
        ulong v = _table[rid];
        id = (uint)v;
        return v != Unmapped;
    }
}
