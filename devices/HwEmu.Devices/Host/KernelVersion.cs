namespace HwEmu.Devices.Host;

/// <summary>
/// The Linux version whose behaviour the host model reproduces. Behaviour that changed over time (io-pgtable block
/// split on unmap, VFIO capability padding, the interrupt-isolation check, iova.c fixes) is selected from it.
/// </summary>
/// <param name="Major">Major version (6 in 6.1.7).</param>
/// <param name="Minor">Minor version (1 in 6.1.7).</param>
/// <param name="Sublevel">Stable sublevel (7 in 6.1.7); matters only for stable backports.</param>
public readonly record struct KernelVersion(int Major, int Minor, int Sublevel = 0) : IComparable<KernelVersion>
{
    /// <summary>
    /// The capture's kernel: Debian 12 "6.1.0-47", a 6.1 stable kernel. Its sublevel is not recorded in the capture;
    /// 6.1.150 stands for "a 2025 6.1.y" (what matters: it has the CVE-2023-52910 backport of 6.1.7).
    /// </summary>
    public static KernelVersion Linux6_1 => new(6, 1, 150);

    /// <summary>The default modelled version (<see cref="Linux6_1"/>).</summary>
    public static KernelVersion Default => Linux6_1;

    /// <summary>True when this version is at least <paramref name="major"/>.<paramref name="minor"/>.<paramref name="sublevel"/>.</summary>
    public bool IsAtLeast(int major, int minor, int sublevel = 0) => CompareTo(new KernelVersion(major, minor, sublevel)) >= 0;

    /// <inheritdoc/>
    public int CompareTo(KernelVersion other)
    {
        if (Major != other.Major) return Major.CompareTo(other.Major);
        if (Minor != other.Minor) return Minor.CompareTo(other.Minor);
        return Sublevel.CompareTo(other.Sublevel);
    }

    /// <summary>
    /// io-pgtable-arm splits a block on partial unmap (true before 6.13; 33729a5fc0ca "Remove split on unmap
    /// behavior" makes a partial unmap of a large IOPTE return 0).
    /// </summary>
    public bool IoPgtableSplitsBlocksOnUnmap => !IsAtLeast(6, 13);

    /// <summary>
    /// VFIO pads every capability to 8 bytes and zero-fills struct vfio_iommu_type1_info (a881b496941f "vfio: align
    /// capability structures", 2023, in 6.6).
    /// </summary>
    public bool VfioPadsCapabilities => IsAtLeast(6, 6);

    /// <summary>
    /// VFIO's interrupt-isolation check is per group (iommu_group_has_isolated_msi, 6.3+) rather than the global
    /// irq_domain_check_msi_remap() of 4.11-6.2.
    /// </summary>
    public bool VfioPerGroupMsiIsolation => IsAtLeast(6, 3);

    /// <summary>iova.c has the v4.4-v4.14 inclusive-limit allocator (off-by-one at start_pfn; fixed by 757c370f036e in 4.15).</summary>
    public bool IovaLegacyAllocator => !IsAtLeast(4, 15);

    /// <summary>iova.c legacy allocator still has the pfn_lo == 0 underflow (fixed by 5016bdb796b3 in 4.13).</summary>
    public bool IovaPfnLoZeroUnderflow => !IsAtLeast(4, 13);

    /// <summary>
    /// iova.c retry path overflows retry_pfn (CVE-2023-52910; introduced by 4e89dce72521 in 5.11, fixed in 6.2 and
    /// backported to 6.1.7).
    /// </summary>
    public bool IovaRetryOverflow => IsAtLeast(5, 11) && !IsAtLeast(6, 2) && !(Major == 6 && Minor == 1 && Sublevel >= 7);

    /// <summary>Parses "6.1", "6.1.7" or "6.13"; false for anything else.</summary>
    public static bool TryParse(string text, out KernelVersion version)
    {
        version = default;
        var parts = text.Trim().Split('.');
        if (parts.Length is < 2 or > 3) return false;
        var n = new int[3];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n[i])) return false;
        version = new KernelVersion(n[0], n[1], n[2]);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Major}.{Minor}.{Sublevel}";
}
