using System.Globalization;
using System.Text;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Gic;

/// <summary>
/// A GICv3: distributor (SPIs), one redistributor and one CPU interface per CPU (LPIs), to which ITSs and GICv2m
/// frames deliver. The LPI configuration and pending tables live in guest memory, reached through the bus.
/// </summary>
public sealed class Gicv3
{
    /// <summary>Creates the GIC; call <see cref="Attach"/> to map its register frames on the bus.</summary>
    public Gicv3(SystemBus bus, GicConfig? config = null)
    {
        Config = config ?? new GicConfig();
        Config.Validate();
        Bus = bus;
        Distributor = new GicDistributor(this);
        Redistributors = new GicRedistributor[Config.Cpus];
        CpuInterfaces = new GicCpuInterface[Config.Cpus];
        for (int i = 0; i < Config.Cpus; i++)
        {
            Redistributors[i] = new GicRedistributor(this, i);
            CpuInterfaces[i] = new GicCpuInterface(this, i);
        }
        RedistributorRegion = new GicRedistributorRegion(this);
    }

    /// <summary>Parameters.</summary>
    public GicConfig Config { get; }
    /// <summary>The bus through which LPI tables are read.</summary>
    public SystemBus Bus { get; }
    /// <summary>The distributor.</summary>
    public GicDistributor Distributor { get; }
    /// <summary>Redistributors, indexed by processor number.</summary>
    public GicRedistributor[] Redistributors { get; }
    /// <summary>CPU interfaces, indexed by processor number.</summary>
    public GicCpuInterface[] CpuInterfaces { get; }
    /// <summary>The MMIO window of all redistributors.</summary>
    public GicRedistributorRegion RedistributorRegion { get; }
    /// <summary>Trace hooks (null: none, and no cost).</summary>
    public IGicObserver? Observer { get; set; }
    /// <summary>Optional memory timing for LPI table reads by the redistributors (null: table reads take no time).</summary>
    public MemoryTimingModel? MemoryTiming { get; set; }

    /// <summary>Maps the distributor and redistributor frames on the bus at the configured addresses.</summary>
    public void Attach()
    {
        Bus.AddDevice(Config.DistributorBase, 0x1_0000, Distributor);
        Bus.AddDevice(Config.RedistributorBase, (ulong)Config.Cpus * GicConfig.RedistributorStride, RedistributorRegion);
    }

    /// <summary>The processor whose RD_base is at <paramref name="address"/> (GITS_TYPER.PTA = 1 targets), or −1.</summary>
    public int ProcessorForRdAddress(ulong address)
    {
        ulong off = address - Config.RedistributorBase;
        if (address < Config.RedistributorBase || off % GicConfig.RedistributorStride != 0) return -1;
        ulong n = off / GicConfig.RedistributorStride;
        return n < (ulong)Config.Cpus ? (int)n : -1;
    }

    /// <summary>A /proc/interrupts-style table: one row per INTID delivered, one column per CPU.</summary>
    public string ProcInterrupts()
    {
        var ids = new SortedSet<uint>();
        foreach (var c in CpuInterfaces) foreach (var (id, _) in c.Counts()) ids.Add(id);
        var sb = new StringBuilder();
        sb.Append("      ");
        for (int i = 0; i < CpuInterfaces.Length; i++) sb.Append(CultureInfo.InvariantCulture, $"{"CPU" + i,12}");
        sb.Append('\n');
        foreach (var id in ids)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{id,6}");
            foreach (var c in CpuInterfaces) sb.Append(CultureInfo.InvariantCulture, $"{c.Count(id),12}");
            sb.Append(id >= 8192 ? "  LPI\n" : id >= 32 ? "  SPI\n" : "  PPI\n");
        }
        return sb.ToString();
    }
}
