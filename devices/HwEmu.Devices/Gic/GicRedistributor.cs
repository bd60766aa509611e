using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Gic;

/// <summary>
/// The redistributor of one CPU, LPI side (IHI 0069 §5.1): GICR_PROPBASER points at the LPI configuration table
/// (one byte per LPI from INTID 8192: priority[7:2], enable[0]), GICR_PENDBASER at the pending table (one bit per
/// INTID from 0). Both live in guest memory and are read and written through the bus, so a driver's tables and a
/// memory image read back as they are. With <see cref="GicConfig.CacheLpiConfig"/> the configuration bytes are
/// cached and re-read only on INV/INVALL (or EnableLPIs 0→1), as GIC-600 does; a disabled LPI stays pending until
/// it is enabled and invalidated. SGIs/PPIs are register storage only.
/// </summary>
public sealed class GicRedistributor
{
    /// <summary>First LPI INTID.</summary>
    public const uint FirstLpi = 8192;

    private readonly Gicv3 _gic;
    private readonly SystemBus _bus;
    private readonly byte[] _config;          // cached config byte per LPI (index intid − 8192)
    private readonly ulong[] _configValid;    // bitmap over the same index
    private readonly ulong[] _signalled;      // LPIs currently signalled to the CPU interface
    private readonly GicRegister _ctlr, _propbaser, _pendbaser;
    private bool _enableLpis;
    private ulong _propBase, _pendBase;
    private uint _lpiLimit;                   // one past the last LPI INTID accepted
    private uint _ppiEnabled;
    private readonly ulong _latencyPs;
    private readonly bool _cacheConfig;

    internal GicRedistributor(Gicv3 gic, int cpu)
    {
        _gic = gic;
        _bus = gic.Bus;
        _latencyPs = gic.Config.RedistributorLatencyPs;
        _cacheConfig = gic.Config.CacheLpiConfig;
        ProcessorNumber = cpu;
        int lpis = (1 << gic.Config.LpiIdBits) - (int)FirstLpi;
        _config = new byte[lpis];
        _configValid = new ulong[(lpis + 63) / 64];
        _signalled = new ulong[(lpis + 63) / 64];

        _ctlr = new GicRegister("GICR_CTLR", 0x0000, 4, 0, GicRegisterAccess.ReadWrite, "EnableLPIs[0]; RWP/UWP read 0", writableMask: 1, onWrite: OnCtlrWrite);
        _propbaser = new GicRegister("GICR_PROPBASER", 0x0070, 8, 0, GicRegisterAccess.ReadWrite,
            "IDbits[4:0], InnerCache[9:7], Shareability[11:10], PA[51:12], OuterCache[58:56]; ignored while EnableLPIs",
            writableMask: 0x0700_FFFF_FFFF_FF9FUL, onWrite: (_, prev, _) => { if (_enableLpis) Registers!.Set(_propbaser!, prev); });
        _pendbaser = new GicRegister("GICR_PENDBASER", 0x0078, 8, 0, GicRegisterAccess.ReadWrite,
            "InnerCache[9:7], Shareability[11:10], PA[51:16], OuterCache[58:56], PTZ[62]; ignored while EnableLPIs",
            writableMask: 0x4700_FFFF_FFFF_0F80UL, onWrite: (_, prev, _) => { if (_enableLpis) Registers!.Set(_pendbaser!, prev); });
        bool last = cpu == gic.Config.Cpus - 1;
        ulong typer = 1UL | (last ? 1UL << 4 : 0) | ((ulong)cpu << 8) | ((ulong)(cpu & 0xFF) << 32);
        Registers = new GicRegisterFile($"GICR{cpu}",
        [
            _ctlr,
            new("GICR_IIDR", 0x0004, 4, 0x43B, GicRegisterAccess.ReadOnly, "Arm r0p0 (as QEMU)"),
            new("GICR_TYPER", 0x0008, 8, typer, GicRegisterAccess.ReadOnly, "PLPIS[0]=1, Last[4], Processor_Number[23:8], Affinity[63:32]"),
            new("GICR_STATUSR", 0x0010, 4, 0, GicRegisterAccess.ReadWrite, "storage"),
            new("GICR_WAKER", 0x0014, 4, 0x6, GicRegisterAccess.ReadWrite, "ProcessorSleep[1]; ChildrenAsleep[2] follows it",
                writableMask: 0x2, onRead: _ => Registers!.Get("GICR_WAKER") is var w && (w & 2) != 0 ? 0x6UL : 0),
            _propbaser,
            _pendbaser,
            new("GICR_INVLPIR", 0x00A0, 8, 0, GicRegisterAccess.WriteOnly, "INTID[31:0]: re-read one LPI's configuration",
                onWrite: (_, _, v) => InvalidateLpi((uint)v, 0)),
            new("GICR_INVALLR", 0x00B0, 8, 0, GicRegisterAccess.WriteOnly, "re-read every LPI's configuration",
                onWrite: (_, _, _) => InvalidateAll(0)),
            new("GICR_SYNCR", 0x00C0, 4, 0, GicRegisterAccess.ReadOnly, "Busy[0] = 0: the model is synchronous"),
            new("GICR_PIDR2", 0xFFE8, 4, 0x3B, GicRegisterAccess.ReadOnly, "ArchRev[7:4] = 3 (GICv3)"),
            new("GICR_IGROUPR0", 0x1_0080, 4, 0, GicRegisterAccess.ReadWrite, "storage"),
            new("GICR_ISENABLER0", 0x1_0100, 4, 0, GicRegisterAccess.ReadWrite, "SGI/PPI set-enable (storage)",
                onRead: _ => _ppiEnabled, onWrite: (_, _, v) => _ppiEnabled |= (uint)v),
            new("GICR_ICENABLER0", 0x1_0180, 4, 0, GicRegisterAccess.ReadWrite, "SGI/PPI clear-enable (storage)",
                onRead: _ => _ppiEnabled, onWrite: (_, _, v) => _ppiEnabled &= ~(uint)v),
            new("GICR_ISPENDR0", 0x1_0200, 4, 0, GicRegisterAccess.ReadWrite, "storage"),
            new("GICR_ICPENDR0", 0x1_0280, 4, 0, GicRegisterAccess.ReadWrite, "storage"),
            new("GICR_ISACTIVER0", 0x1_0300, 4, 0, GicRegisterAccess.ReadWrite, "storage"),
            new("GICR_ICACTIVER0", 0x1_0380, 4, 0, GicRegisterAccess.ReadWrite, "storage"),
            new("GICR_IPRIORITYR", 0x1_0400, 4, 0, GicRegisterAccess.ReadWrite, "SGI/PPI priorities (storage)", count: 8),
            new("GICR_ICFGR", 0x1_0C00, 4, 0, GicRegisterAccess.ReadWrite, "storage", count: 2),
            new("GICR_IGRPMODR0", 0x1_0D00, 4, 0, GicRegisterAccess.ReadWrite, "storage"),
        ], minAccessSize: 1);
    }

    /// <summary>Processor number (GICR_TYPER.Processor_Number), also the RDbase of commands when GITS_TYPER.PTA = 0.</summary>
    public int ProcessorNumber { get; }

    /// <summary>Address of this redistributor's RD_base frame (the RDbase of commands when GITS_TYPER.PTA = 1).</summary>
    public ulong BaseAddress => _gic.Config.RedistributorBase + (ulong)ProcessorNumber * GicConfig.RedistributorStride;

    /// <summary>The declared registers of the RD_base and SGI_base frames.</summary>
    public GicRegisterFile Registers { get; }

    /// <summary>GICR_CTLR.EnableLPIs.</summary>
    public bool LpisEnabled => _enableLpis;

    /// <summary>One past the highest LPI INTID accepted (from PROPBASER.IDbits, latched at EnableLPIs).</summary>
    public uint LpiLimit => _lpiLimit;

    /// <summary>Bus faults while reading or writing the LPI tables (the access is dropped).</summary>
    public long TableFaults { get; private set; }

    /// <summary>LPIs dropped because EnableLPIs = 0 or the INTID is out of range.</summary>
    public long DroppedLpis { get; private set; }

    private void OnCtlrWrite(int index, ulong previous, ulong value)
    {
        bool enable = (value & 1) != 0;
        if (enable == _enableLpis) return;
        if (enable)
        {
            ulong prop = Registers.Get(_propbaser), pend = Registers.Get(_pendbaser);
            _propBase = prop & 0x000F_FFFF_FFFF_F000UL;
            _pendBase = pend & 0x000F_FFFF_FFFF_0000UL;
            int idBits = Math.Min((int)(prop & 0x1F) + 1, _gic.Config.LpiIdBits);
            // IDbits below 14 cannot express any LPI (IHI 0069 GICR_PROPBASER): no LPIs at all.
            _lpiLimit = idBits < 14 ? FirstLpi : 1U << idBits;
            _enableLpis = true;
            // EnableLPIs 0→1: the pending table is scanned, as after INVALL (reference §1.7).
            InvalidateAll(0);
        }
        else
        {
            _enableLpis = false;
            RetractAll();
        }
    }

    private bool IsLpi(uint intId) => intId >= FirstLpi && intId < _lpiLimit;

    /// <summary>The LPI configuration byte as the redistributor currently sees it (cached or read from memory).</summary>
    public byte Config(uint intId, ref ulong timePs)
    {
        uint i = intId - FirstLpi;
        if (_cacheConfig && (_configValid[i >> 6] & (1UL << (int)(i & 63))) != 0) return _config[i];
        byte b = ReadConfig(intId, ref timePs);
        if (_cacheConfig)
        {
            _config[i] = b;
            _configValid[i >> 6] |= 1UL << (int)(i & 63);
        }
        return b;
    }

    private byte ReadConfig(uint intId, ref ulong timePs)
    {
        if (_bus.Read(_propBase + (intId - FirstLpi), 1, out ulong v) != BusStatus.Ok)
        {
            TableFaults++;
            return 0; // unreadable configuration: treated as disabled
        }
        if (_gic.MemoryTiming is { } mt) timePs = mt.Access(timePs, 1);
        return (byte)v;
    }

    /// <summary>Reads the pending bit of <paramref name="intId"/> from the pending table in memory.</summary>
    public bool IsPending(uint intId)
    {
        if (_bus.Read(_pendBaseOrRegister() + intId / 8, 1, out ulong v) != BusStatus.Ok) return false;
        return (v >> (int)(intId & 7) & 1) != 0;
    }

    private ulong _pendBaseOrRegister() => _enableLpis ? _pendBase : Registers.Get(_pendbaser) & 0x000F_FFFF_FFFF_0000UL;

    /// <summary>True when the LPI is waiting at the CPU interface.</summary>
    public bool IsSignalled(uint intId)
    {
        if (intId < FirstLpi || intId - FirstLpi >= (uint)_config.Length) return false;
        uint i = intId - FirstLpi;
        return (_signalled[i >> 6] & (1UL << (int)(i & 63))) != 0;
    }

    /// <summary>
    /// Makes <paramref name="intId"/> pending (ITS INT/MSI). A second MSI for an LPI already pending merges with
    /// it; a disabled LPI is recorded pending and held. <paramref name="timePs"/> is advanced by the timing layer
    /// to the time the LPI reaches the CPU interface.
    /// </summary>
    public ItsTranslationResult SetPending(uint intId, ulong doorbellPs, ref ulong timePs)
    {
        if (!_enableLpis) { DroppedLpis++; return ItsTranslationResult.LpisDisabled; }
        if (!IsLpi(intId)) { DroppedLpis++; return ItsTranslationResult.IntIdOutOfRange; }
        ulong pa = _pendBase + intId / 8;
        // One aligned 64-bit read (the table is 64 KiB aligned) takes the fast path of the bus and memory.
        if (_bus.Read64(pa & ~7UL, out ulong word) != BusStatus.Ok) { TableFaults++; return ItsTranslationResult.TableFault; }
        ulong b = (byte)(word >> (int)((pa & 7) * 8));
        byte mask = (byte)(1 << (int)(intId & 7));
        if ((b & mask) != 0) return ItsTranslationResult.Merged;
        byte cfg = Config(intId, ref timePs);
        if ((cfg & 1) != 0)
        {
            timePs += _latencyPs;
            // Acknowledged at once: set-then-clear leaves the pending table as it was, so it is not written.
            if (Signal(intId, cfg, doorbellPs, timePs)) return ItsTranslationResult.Delivered;
        }
        if (_bus.Write(pa, 1, b | mask) != BusStatus.Ok)
        {
            TableFaults++;
            Unsignal(intId);
            return ItsTranslationResult.TableFault;
        }
        return (cfg & 1) != 0 ? ItsTranslationResult.Delivered : ItsTranslationResult.PendingDisabled;
    }

    // Returns true when the CPU acknowledged at once; the LPI is then neither pending nor signalled.
    private bool Signal(uint intId, byte cfg, ulong doorbellPs, ulong timePs)
    {
        // Non-secure view of the priority (reference §1.7): the model runs with GICD_CTLR.DS = 0.
        byte priority = (byte)(((cfg & 0xFC) >> 1) | 0x80);
        if (_gic.CpuInterfaces[ProcessorNumber].Signal(intId, priority, doorbellPs, timePs)) return true;
        uint i = intId - FirstLpi;
        _signalled[i >> 6] |= 1UL << (int)(i & 63);
        return false;
    }

    private void Unsignal(uint intId)
    {
        uint i = intId - FirstLpi;
        ulong bit = 1UL << (int)(i & 63);
        if ((_signalled[i >> 6] & bit) == 0) return;
        _signalled[i >> 6] &= ~bit;
        _gic.CpuInterfaces[ProcessorNumber].Retract(intId);
    }

    /// <summary>Clears the pending state of <paramref name="intId"/> (CLEAR, DISCARD, MOVI away). Returns whether it was pending.</summary>
    public bool ClearPending(uint intId)
    {
        if (!_enableLpis || !IsLpi(intId)) return false;
        ulong pa = _pendBase + intId / 8;
        if (_bus.Read(pa, 1, out ulong b) != BusStatus.Ok) { TableFaults++; return false; }
        byte mask = (byte)(1 << (int)(intId & 7));
        Unsignal(intId);
        if ((b & mask) == 0) return false;
        if (_bus.Write(pa, 1, b & ~(ulong)mask) != BusStatus.Ok) TableFaults++;
        return true;
    }

    internal void ClearPendingOnAcknowledge(uint intId)
    {
        uint i = intId - FirstLpi;
        if (i < (uint)_config.Length) _signalled[i >> 6] &= ~(1UL << (int)(i & 63));
        ulong pa = _pendBase + intId / 8;
        if (_bus.Read(pa, 1, out ulong b) != BusStatus.Ok) { TableFaults++; return; }
        if (_bus.Write(pa, 1, b & ~(1UL << (int)(intId & 7))) != BusStatus.Ok) TableFaults++;
    }

    /// <summary>INV for one LPI: re-read its configuration; deliver it if pending and now enabled, withdraw it if now disabled.</summary>
    public void InvalidateLpi(uint intId, ulong nowPs)
    {
        if (!_enableLpis || !IsLpi(intId)) return;
        uint i = intId - FirstLpi;
        _configValid[i >> 6] &= ~(1UL << (int)(i & 63));
        Reevaluate(intId, nowPs);
    }

    private void Reevaluate(uint intId, ulong nowPs)
    {
        ulong t = nowPs;
        byte cfg = Config(intId, ref t);
        bool enabled = (cfg & 1) != 0;
        if (!enabled) { Unsignal(intId); return; }
        if (!IsSignalled(intId) && IsPending(intId) && Signal(intId, cfg, nowPs, t + _latencyPs)) ClearPendingOnAcknowledge(intId);
    }

    /// <summary>INVALL: drop every cached configuration byte and rescan the pending table.</summary>
    public void InvalidateAll(ulong nowPs)
    {
        if (!_enableLpis) return;
        Array.Clear(_configValid);
        // Withdraw LPIs that are no longer enabled, then deliver pending and enabled ones in INTID order.
        for (int w = 0; w < _signalled.Length; w++)
        {
            ulong bits = _signalled[w];
            while (bits != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                uint intId = FirstLpi + (uint)(w * 64 + b);
                ulong t = nowPs;
                if ((Config(intId, ref t) & 1) == 0) Unsignal(intId);
            }
        }
        for (uint id = FirstLpi; id < _lpiLimit; id += 64)
        {
            if (_bus.Read64(_pendBase + id / 8, out ulong bits) != BusStatus.Ok) { TableFaults++; return; }
            while (bits != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                uint intId = id + (uint)b;
                if (intId < _lpiLimit) Reevaluate(intId, nowPs);
            }
        }
    }

    private void RetractAll()
    {
        for (int w = 0; w < _signalled.Length; w++)
        {
            ulong bits = _signalled[w];
            while (bits != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                Unsignal(FirstLpi + (uint)(w * 64 + b));
            }
        }
    }

    /// <summary>INTIDs whose pending bit is set in the pending table, ascending.</summary>
    public List<uint> PendingLpis()
    {
        var result = new List<uint>();
        ulong pend = _pendBaseOrRegister();
        uint limit = _enableLpis ? _lpiLimit : 1U << _gic.Config.LpiIdBits;
        for (uint id = FirstLpi; id < limit; id += 64)
        {
            if (_bus.Read64(pend + id / 8, out ulong bits) != BusStatus.Ok) break;
            while (bits != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                result.Add(id + (uint)b);
            }
        }
        return result;
    }

    /// <summary>MOVALL / MOVI support: moves the pending state of <paramref name="intId"/> to <paramref name="target"/>.</summary>
    public bool MovePending(uint intId, GicRedistributor target, ulong nowPs)
    {
        if (!ClearPending(intId)) return false;
        ulong t = nowPs;
        target.SetPending(intId, nowPs, ref t);
        return true;
    }
}
