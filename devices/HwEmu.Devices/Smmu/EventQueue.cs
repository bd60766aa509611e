using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// The event queue in memory (IHI 0070 §3.5.2, §7): 32-byte records written at EVENTQ_PROD, PROD wrap bit,
/// overflow flag (EVENTQ_PROD.OVFLG toggled when a record is lost to a full queue), GERROR.EVENTQ_ABT_ERR on a
/// write abort, and the event-queue interrupt (MSI through EVENTQ_IRQ_CFG0/1 or the wired line).
/// </summary>
public sealed class EventQueue
{
    private readonly SmmuV3 _smmu;
    private readonly SmmuRegisters _regs;
    private readonly SystemBus _bus;
    private readonly int _maxLog2;

    internal EventQueue(SmmuV3 smmu, SmmuRegisters regs, SystemBus bus, SmmuConfig config)
    {
        _smmu = smmu;
        _regs = regs;
        _bus = bus;
        _maxLog2 = Math.Clamp(config.EvtqMaxLog2, 0, 19);
    }

    /// <summary>Records written.</summary>
    public long Written { get; private set; }
    /// <summary>Records lost because the queue was full.</summary>
    public long Overflows { get; private set; }
    /// <summary>Records dropped because EVENTQEN = 0 or the write aborted.</summary>
    public long Dropped { get; private set; }

    /// <summary>Effective log2 of the number of entries.</summary>
    public int Log2Size => Math.Min((int)(_regs[SmmuRegister.EventqBase] & 0x1f), _maxLog2);

    /// <summary>Writes <paramref name="record"/>; false when it was dropped.</summary>
    internal bool Write(in SmmuEventRecord record)
    {
        if ((_regs[SmmuRegister.Cr0] & SmmuV3.Cr0EventqEn) == 0) { Dropped++; return false; }
        int log2 = Log2Size;
        uint entries = 1u << log2, wrapMask = (entries << 1) - 1;
        uint prod = (uint)_regs[SmmuRegister.EventqProd], cons = (uint)_regs[SmmuRegister.EventqCons];
        uint p = prod & wrapMask, c = cons & wrapMask;
        if ((p ^ c) == entries)
        {
            // Full: the record is lost; OVFLG is toggled only when no overflow is already pending (§7.4).
            if ((prod >> 31) == (cons >> 31)) _regs[SmmuRegister.EventqProd] = prod ^ 0x8000_0000u;
            Overflows++;
            return false;
        }
        ulong qbytes = (ulong)entries * SmmuEventRecord.Size;
        ulong baseAddr = _regs[SmmuRegister.EventqBase] & 0x000f_ffff_ffff_ffe0UL & ~(qbytes - 1);
        ulong addr = baseAddr + (p & (entries - 1)) * (ulong)SmmuEventRecord.Size;
        Span<byte> buf = stackalloc byte[SmmuEventRecord.Size];
        record.Encode(buf);
        if (_bus.Write(addr, buf) != BusStatus.Ok)
        {
            Dropped++;
            _smmu.RaiseGlobalError(SmmuV3.GerrorEventqAbt);
            return false;
        }
        p = (p + 1) & wrapMask;
        _regs[SmmuRegister.EventqProd] = (prod & 0x8000_0000u) | p;
        Written++;
        if ((_regs[SmmuRegister.IrqCtrl] & SmmuV3.IrqCtrlEventqIrqEn) != 0)
            _smmu.SignalInterrupt(SmmuInterrupt.EventQueue, _regs[SmmuRegister.EventqIrqCfg0], (uint)_regs[SmmuRegister.EventqIrqCfg1], SmmuV3.GerrorMsiEventqAbt);
        return true;
    }
}
