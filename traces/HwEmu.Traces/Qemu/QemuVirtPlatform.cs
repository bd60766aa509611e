using System.Globalization;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Smmu;

namespace HwEmu.Traces.Qemu;

/// <summary>
/// The QEMU <c>virt</c> machine as far as the I/O path goes (hw/arm/virt.c memory map): RAM, SMMUv3, GICv3
/// distributor, redistributors and ITS. Written into the header of an imported trace as
/// <c>qemu-virt ram=0x40000000+0x10000000 smmu=0x9050000 gicd=0x8000000 gicr=0x80a0000 its=0x8080000 cpus=1</c>
/// so a replay rebuilds the same machine.
/// </summary>
public sealed record QemuVirtPlatform
{
    /// <summary>Platform name at the start of <see cref="Format.TraceHeader.Platform"/>.</summary>
    public const string Name = "qemu-virt";

    /// <summary>Guest RAM base (VIRT_MEM).</summary>
    public ulong RamBase { get; init; } = 0x4000_0000;
    /// <summary>Guest RAM size in bytes.</summary>
    public ulong RamSize { get; init; } = 0x1000_0000;
    /// <summary>SMMUv3 register frame (VIRT_SMMU).</summary>
    public ulong SmmuBase { get; init; } = 0x0905_0000;
    /// <summary>GIC distributor (VIRT_GIC_DIST).</summary>
    public ulong GicdBase { get; init; } = 0x0800_0000;
    /// <summary>GIC redistributors (VIRT_GIC_REDIST), 128 KiB per CPU.</summary>
    public ulong GicrBase { get; init; } = 0x080A_0000;
    /// <summary>GICv3 ITS (VIRT_GIC_ITS).</summary>
    public ulong ItsBase { get; init; } = 0x0808_0000;
    /// <summary>Number of CPUs (-smp).</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Physical address of GITS_TRANSLATER (the MSI doorbell).</summary>
    public ulong ItsTranslater => ItsBase + GicV3Its.TranslaterOffset;

    /// <summary>
    /// The SMMU QEMU 7.2 builds (its SMMU_IDR0 = 0x0d40101a, IDR1 = 0x02730010, IDR3 = 0x1404, IDR5 = 0x74 in the
    /// capture): stage 1 only, OAS 44, no MSI/SEV/HYP, 8-bit VMIDs, linear CD tables, no SubstreamIDs,
    /// TERM_MODEL = 1, 2-level stream tables, range invalidation.
    /// </summary>
    public SmmuConfig SmmuConfig() => new()
    {
        Stage1 = true, Stage2 = false, OutputAddressBits = 44, Msi = false, Sev = false, Hyp = false, Vmid16 = false,
        TwoLevelCdTable = false, TermModelAbortOnly = true, SubstreamIdBits = 0, TwoLevelStreamTable = true,
        RangeInvalidation = true, HierarchicalAttributeDisable = true,
    };

    /// <summary>The header text describing this platform.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} ram=0x{RamBase:x}+0x{RamSize:x} smmu=0x{SmmuBase:x} gicd=0x{GicdBase:x} gicr=0x{GicrBase:x} its=0x{ItsBase:x} cpus={Cpus}");

    /// <summary>Parses <see cref="Describe"/>'s text; false when <paramref name="text"/> is not a qemu-virt platform.
    /// Missing keys keep the defaults; a malformed value is reported in <paramref name="error"/>.</summary>
    public static bool TryParse(string text, out QemuVirtPlatform platform, out string? error)
    {
        var p = new QemuVirtPlatform();
        platform = p;
        error = null;
        string[] words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0] != Name) return false;
        foreach (string w in words.AsSpan(1))
        {
            int eq = w.IndexOf('=');
            string key = eq < 0 ? w : w[..eq], value = eq < 0 ? "" : w[(eq + 1)..];
            bool ok;
            ulong v = 0;
            switch (key)
            {
                case "ram":
                    int plus = value.IndexOf('+');
                    ulong rb = 0;
                    ok = plus > 0 && QemuLogLine.TryNumber(value.AsSpan(0, plus), out rb) &&
                         QemuLogLine.TryNumber(value.AsSpan(plus + 1), out v) && v > 0 && rb + v > rb && rb + v <= AddressLimit;
                    if (ok) p = p with { RamBase = rb, RamSize = v };
                    break;
                case "smmu": ok = Address(value, out v); if (ok) p = p with { SmmuBase = v }; break;
                case "gicd": ok = Address(value, out v); if (ok) p = p with { GicdBase = v }; break;
                case "gicr": ok = Address(value, out v); if (ok) p = p with { GicrBase = v }; break;
                case "its": ok = Address(value, out v); if (ok) p = p with { ItsBase = v }; break;
                case "cpus":
                    ok = QemuLogLine.TryNumber(value, out v) && v is >= 1 and <= 512;
                    if (ok) p = p with { Cpus = (int)v };
                    break;
                default:
                    ok = true; // later versions may describe more
                    break;
            }
            if (!ok)
            {
                error = $"platform \"{text}\": bad value for {key}: \"{value}\"";
                break;
            }
        }
        platform = p;
        return true;
    }

    private const ulong AddressLimit = 1UL << 52;

    private static bool Address(string value, out ulong v) => QemuLogLine.TryNumber(value, out v) && v < AddressLimit;
}
