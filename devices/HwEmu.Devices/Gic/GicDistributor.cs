using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Gic;

/// <summary>
/// A minimal GICv3 distributor (affinity routing, non-secure view): SPI enable, pending, priority and routing to
/// one CPU through GICD_IROUTER&lt;n&gt;.Aff0. SPIs are edge-triggered: <see cref="RaiseSpi"/> (GICv2m SETSPI, the
/// SMMU's wired event/GERROR interrupts) makes one pending; acknowledging clears it. An SPI reaches its CPU
/// interface only while enabled and while GICD_CTLR.EnableGrp1NS is set.
/// </summary>
public sealed class GicDistributor : IMmioDevice
{
    private readonly Gicv3 _gic;
    private readonly ulong[] _enabled, _pending, _signalled;
    private readonly byte[] _priority;
    private readonly int[] _route;
    private readonly uint _limit;   // one past the last SPI INTID

    internal GicDistributor(Gicv3 gic)
    {
        _gic = gic;
        var cfg = gic.Config;
        _limit = 32 + (uint)cfg.SpiCount;
        int words = ((int)_limit + 63) / 64;
        _enabled = new ulong[words];
        _pending = new ulong[words];
        _signalled = new ulong[words];
        _priority = new byte[_limit];
        _route = new int[_limit];
        int regs32 = (int)_limit / 32;
        ulong typer = (ulong)(uint)(regs32 - 1) | ((ulong)(uint)(Math.Min(cfg.Cpus, 8) - 1) << 5) | (1UL << 17) | ((ulong)(uint)(cfg.LpiIdBits - 1) << 19);
        Registers = new GicRegisterFile("GICD",
        [
            new("GICD_CTLR", 0x0000, 4, 0x10, GicRegisterAccess.ReadWrite, "EnableGrp0[0], EnableGrp1NS[1]; ARE_NS[4] = 1",
                writableMask: 0x3, onWrite: (_, _, v) => { _group1Enabled = (v & 2) != 0; ReevaluateAll(); }),
            new("GICD_TYPER", 0x0004, 4, typer, GicRegisterAccess.ReadOnly, "ITLinesNumber[4:0], CPUNumber[7:5], LPIS[17], IDbits[23:19]"),
            new("GICD_IIDR", 0x0008, 4, 0x43B, GicRegisterAccess.ReadOnly, "Arm r0p0 (as QEMU)"),
            new("GICD_TYPER2", 0x000C, 4, 0, GicRegisterAccess.ReadOnly, "no extended SPIs"),
            new("GICD_IGROUPR", 0x0080, 4, 0, GicRegisterAccess.ReadWrite, "group (storage)", count: regs32),
            new("GICD_ISENABLER", 0x0100, 4, 0, GicRegisterAccess.ReadWrite, "set-enable", count: regs32,
                onRead: i => Word(_enabled, i), onWrite: (i, _, v) => SetEnable(i, (uint)v, true)),
            new("GICD_ICENABLER", 0x0180, 4, 0, GicRegisterAccess.ReadWrite, "clear-enable", count: regs32,
                onRead: i => Word(_enabled, i), onWrite: (i, _, v) => SetEnable(i, (uint)v, false)),
            new("GICD_ISPENDR", 0x0200, 4, 0, GicRegisterAccess.ReadWrite, "set-pending", count: regs32,
                onRead: i => Word(_pending, i), onWrite: (i, _, v) => SetPendingBits(i, (uint)v, true)),
            new("GICD_ICPENDR", 0x0280, 4, 0, GicRegisterAccess.ReadWrite, "clear-pending", count: regs32,
                onRead: i => Word(_pending, i), onWrite: (i, _, v) => SetPendingBits(i, (uint)v, false)),
            new("GICD_IPRIORITYR", 0x0400, 4, 0, GicRegisterAccess.ReadWrite, "priority byte per INTID", count: (int)_limit / 4,
                onWrite: (i, _, v) => { for (int k = 0; k < 4; k++) _priority[i * 4 + k] = (byte)(v >> (8 * k)); }),
            new("GICD_ICFGR", 0x0C00, 4, 0, GicRegisterAccess.ReadWrite, "trigger mode (storage; SPIs modelled as edge)", count: regs32 * 2),
            new("GICD_IROUTER", 0x6100, 8, 0, GicRegisterAccess.ReadWrite, "SPI 32+n routing: Aff0[7:0] = CPU, IRM[31]",
                count: cfg.SpiCount == 0 ? 1 : cfg.SpiCount, writableMask: 0x0000_00FF_80FF_FFFFUL,
                onWrite: (i, _, v) => { if (32 + i < _limit) _route[32 + i] = (v >> 31 & 1) != 0 ? 0 : (int)(v & 0xFF); }),
            new("GICD_PIDR2", 0xFFE8, 4, 0x3B, GicRegisterAccess.ReadOnly, "ArchRev[7:4] = 3 (GICv3)"),
        ], minAccessSize: 1);
    }

    /// <inheritdoc/>
    public string Name => "gicv3-dist";

    /// <summary>The declared registers.</summary>
    public GicRegisterFile Registers { get; }

    /// <summary>RaiseSpi calls for an INTID that is not an implemented SPI (dropped).</summary>
    public long DroppedSpis { get; private set; }

    private static ulong Word(ulong[] bits, int index) => (uint)(bits[index >> 1] >> (32 * (index & 1)));

    private bool _group1Enabled;   // GICD_CTLR.EnableGrp1NS, mirrored for the per-interrupt path

    private bool Group1Enabled => _group1Enabled;

    private void SetEnable(int index, uint bits, bool set)
    {
        if (index == 0) bits = 0; // SGIs/PPIs live in the redistributor
        ulong w = (ulong)bits << (32 * (index & 1));
        if (set) _enabled[index >> 1] |= w; else _enabled[index >> 1] &= ~w;
        ReevaluateWord(index, bits);
    }

    private void SetPendingBits(int index, uint bits, bool set)
    {
        if (index == 0) bits = 0;
        ulong w = (ulong)bits << (32 * (index & 1));
        if (set) _pending[index >> 1] |= w; else _pending[index >> 1] &= ~w;
        ReevaluateWord(index, bits);
    }

    private void ReevaluateWord(int index, uint bits)
    {
        while (bits != 0)
        {
            int b = System.Numerics.BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            Reevaluate((uint)(index * 32 + b), 0);
        }
    }

    private void ReevaluateAll()
    {
        for (uint id = 32; id < _limit; id++) Reevaluate(id, 0);
    }

    private static bool Bit(ulong[] bits, uint id) => (bits[id >> 6] >> (int)(id & 63) & 1) != 0;

    private void Reevaluate(uint intId, ulong nowPs)
    {
        bool deliverable = Bit(_pending, intId) && Bit(_enabled, intId) && Group1Enabled;
        bool signalled = Bit(_signalled, intId);
        if (deliverable == signalled) return;
        var cpu = _gic.CpuInterfaces[_route[intId] < _gic.CpuInterfaces.Length ? _route[intId] : 0];
        if (deliverable)
        {
            _signalled[intId >> 6] |= 1UL << (int)(intId & 63);
            if (cpu.Signal(intId, _priority[intId], nowPs, nowPs + _gic.Config.RedistributorLatencyPs)) ClearPendingOnAcknowledge(intId);
        }
        else
        {
            _signalled[intId >> 6] &= ~(1UL << (int)(intId & 63));
            cpu.Retract(intId);
        }
    }

    /// <summary>The CPU an SPI is routed to.</summary>
    public int Route(uint intId) => intId < _limit ? _route[intId] : -1;

    /// <summary>True when the SPI is pending.</summary>
    public bool IsPending(uint intId) => intId >= 32 && intId < _limit && Bit(_pending, intId);

    /// <summary>True when the SPI is enabled.</summary>
    public bool IsEnabled(uint intId) => intId >= 32 && intId < _limit && Bit(_enabled, intId);

    /// <summary>
    /// An edge on SPI <paramref name="intId"/> at <paramref name="nowPs"/>: it becomes pending (merging with a
    /// pending one). Returns false, and counts a drop, when the INTID is not an implemented SPI.
    /// </summary>
    public bool RaiseSpi(uint intId, ulong nowPs = 0)
    {
        if (intId < 32 || intId >= _limit) { DroppedSpis++; return false; }
        _pending[intId >> 6] |= 1UL << (int)(intId & 63);
        Reevaluate(intId, nowPs);
        return true;
    }

    internal void ClearPendingOnAcknowledge(uint intId)
    {
        if (intId < 32 || intId >= _limit) return;
        ulong bit = ~(1UL << (int)(intId & 63));
        _pending[intId >> 6] &= bit;
        _signalled[intId >> 6] &= bit;
    }

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes) => Registers.Read(offset, size, out value);

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes) => Registers.Write(offset, size, value);
}
