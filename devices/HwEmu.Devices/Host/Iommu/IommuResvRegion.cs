using System.Globalization;

namespace HwEmu.Devices.Host.Iommu;

/// <summary>enum iommu_resv_type; the numeric order breaks ties when sorting.</summary>
public enum IommuResvType
{
    /// <summary>IOMMU_RESV_DIRECT: must be mapped 1:1 at all times.</summary>
    Direct = 0,
    /// <summary>IOMMU_RESV_DIRECT_RELAXABLE: 1:1 but may be dropped for device assignment (USB, graphics RMRRs).</summary>
    DirectRelaxable = 1,
    /// <summary>IOMMU_RESV_RESERVED: never map this or give it to a device.</summary>
    Reserved = 2,
    /// <summary>IOMMU_RESV_MSI: hardware MSI region (untranslated).</summary>
    Msi = 3,
    /// <summary>IOMMU_RESV_SW_MSI: software-managed MSI translation window.</summary>
    SwMsi = 4,
}

/// <summary>struct iommu_resv_region: [Start, Start + Length) with protection and type.</summary>
/// <param name="Start">First address (IOVA == PA).</param>
/// <param name="Length">Bytes.</param>
/// <param name="Prot">IOMMU_* protection the region would be mapped with.</param>
/// <param name="Type">Region type.</param>
public readonly record struct IommuResvRegion(ulong Start, ulong Length, IommuProt Prot, IommuResvType Type)
{
    /// <summary>Inclusive end (start + length - 1), what sysfs prints.</summary>
    public ulong End => Start + Length - 1;

    /// <summary>The sysfs type string (iommu_group_resv_type_string): MSI and SW_MSI both print "msi".</summary>
    public static string TypeString(IommuResvType type) => type switch
    {
        IommuResvType.Direct => "direct",
        IommuResvType.DirectRelaxable => "direct-relaxable",
        IommuResvType.Reserved => "reserved",
        _ => "msi",
    };

    /// <summary>One reserved_regions line without the newline: "0x%016llx 0x%016llx %s".</summary>
    public string ToSysfsLine() => string.Create(CultureInfo.InvariantCulture, $"0x{Start:x16} 0x{End:x16} {TypeString(Type)}");
}

/// <summary>
/// A group's reserved-region list built like iommu_get_group_resv_regions(): each device's regions are inserted
/// one by one with iommu_insert_resv_region() — sorted by start then type, and regions of the inserted type that
/// overlap or touch merged (keeping the first one's prot); different types never merge.
/// </summary>
public sealed class IommuResvRegionList
{
    private List<IommuResvRegion> _regions = new();

    /// <summary>The regions in list order.</summary>
    public IReadOnlyList<IommuResvRegion> Regions => _regions;

    /// <summary>iommu_insert_resv_region(new, regions).</summary>
    public void Insert(IommuResvRegion nr)
    {
        int pos = 0;
        while (pos < _regions.Count)
        {
            var it = _regions[pos];
            if (nr.Start < it.Start || (nr.Start == it.Start && nr.Type <= it.Type)) break;
            pos++;
        }
        _regions.Insert(pos, nr);

        var stack = new List<IommuResvRegion>(_regions.Count);
        foreach (var iter in _regions)
        {
            if (iter.Type != nr.Type)
            {
                stack.Add(iter);
                continue;
            }
            int top = -1;
            for (int i = stack.Count - 1; i >= 0; i--)
                if (stack[i].Type == iter.Type) { top = i; break; }
            if (top < 0)
            {
                stack.Add(iter);
                continue;
            }
            var t = stack[top];
            ulong topEnd = t.End;
            if (iter.Start > topEnd + 1)
                stack.Add(iter);
            else
                stack[top] = t with { Length = Math.Max(topEnd, iter.End) - t.Start + 1 };
        }
        _regions = stack;
    }

    /// <summary>Inserts every region of one device (iommu_insert_device_resv_regions).</summary>
    public void InsertDevice(IEnumerable<IommuResvRegion> deviceRegions)
    {
        foreach (var r in deviceRegions) Insert(r);
    }

    /// <summary>The sysfs reserved_regions text: one "0x%016llx 0x%016llx %s\n" line per region.</summary>
    public string ToSysfs()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var r in _regions) sb.Append(r.ToSysfsLine()).Append('\n');
        return sb.ToString();
    }
}
