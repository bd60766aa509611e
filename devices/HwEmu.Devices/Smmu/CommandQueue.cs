using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// The command queue in memory (IHI 0070 §3.5.1, §4): consumed in order from CMDQ_CONS to CMDQ_PROD when
/// CR0.CMDQEN = 1. An illegal command or a fetch abort stops consumption with CMDQ_CONS.ERR set and
/// GERROR.CMDQ_ERR toggled; CONS keeps pointing at the failing command until software acknowledges through
/// GERRORN, after which consumption resumes there.
/// </summary>
public sealed class CommandQueue
{
    private readonly SmmuV3 _smmu;
    private readonly SmmuRegisters _regs;
    private readonly SystemBus _bus;
    private readonly int _maxLog2;
    private bool _consuming;

    internal CommandQueue(SmmuV3 smmu, SmmuRegisters regs, SystemBus bus, SmmuConfig config)
    {
        _smmu = smmu;
        _regs = regs;
        _bus = bus;
        _maxLog2 = Math.Clamp(config.CmdqMaxLog2, 0, 19);
    }

    /// <summary>Commands executed successfully.</summary>
    public long Executed { get; private set; }
    /// <summary>Commands refused (CERROR_ILL / CERROR_ABT).</summary>
    public long Errors { get; private set; }
    /// <summary>Cycles spent by the last consumption run (fetches + execution, uncontended).</summary>
    public ulong LastRunCycles { get; private set; }
    /// <summary>Total command-processing cycles.</summary>
    public ulong TotalCycles { get; private set; }

    /// <summary>Effective log2 of the number of entries.</summary>
    public int Log2Size => Math.Min((int)(_regs[SmmuRegister.CmdqBase] & 0x1f), _maxLog2);

    /// <summary>True while a command error is waiting for GERRORN acknowledgement.</summary>
    public bool ErrorPending => ((_regs[SmmuRegister.Gerror] ^ _regs[SmmuRegister.Gerrorn]) & SmmuV3.GerrorCmdqErr) != 0;

    /// <summary>Consumes commands until the queue is empty or an error stops it.</summary>
    internal void Consume()
    {
        if (_consuming) return; // an MSI written by CMD_SYNC may land on our own registers
        if ((_regs[SmmuRegister.Cr0] & SmmuV3.Cr0CmdqEn) == 0 || ErrorPending) return;
        _consuming = true;
        try
        {
            int log2 = Log2Size;
            uint entries = 1u << log2, wrapMask = (entries << 1) - 1;
            ulong qbytes = (ulong)entries * CmdqCommand.Size;
            ulong baseAddr = _regs[SmmuRegister.CmdqBase] & 0x000f_ffff_ffff_ffe0UL & ~(qbytes - 1);
            Span<byte> buf = stackalloc byte[CmdqCommand.Size];
            ulong cycles = 0;
            int fetchCycles = _smmu.FetchCycles(CmdqCommand.Size);
            for (uint n = 0; n <= entries; n++)
            {
                uint prod = (uint)_regs[SmmuRegister.CmdqProd] & wrapMask;
                uint consReg = (uint)_regs[SmmuRegister.CmdqCons];
                uint c = consReg & wrapMask;
                if (prod == c) break;
                ulong addr = baseAddr + (c & (entries - 1)) * (ulong)CmdqCommand.Size;
                cycles += (ulong)fetchCycles;
                CmdqError err;
                CmdqCommand cmd = default;
                if (_bus.Read(addr, buf) != BusStatus.Ok) err = CmdqError.Abort;
                else
                {
                    cmd = CmdqCommand.FromBytes(buf);
                    err = _smmu.Execute(cmd);
                }
                cycles += (ulong)_smmu.Config.Timing.CommandCycles;
                _smmu.Observer?.OnCommand(cmd, err, fetchCycles + _smmu.Config.Timing.CommandCycles);
                if (err != CmdqError.None)
                {
                    Errors++;
                    _regs[SmmuRegister.CmdqCons] = (consReg & ~0x7f00_0000u & ~wrapMask) | ((uint)err << 24) | c;
                    _smmu.RaiseGlobalError(SmmuV3.GerrorCmdqErr);
                    break;
                }
                Executed++;
                _regs[SmmuRegister.CmdqCons] = (consReg & 0x7f00_0000u) | ((c + 1) & wrapMask);
            }
            LastRunCycles = cycles;
            TotalCycles += cycles;
        }
        finally { _consuming = false; }
    }
}
