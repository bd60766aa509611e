using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// Finds the CD of a SubstreamID from an STE: single CD, linear CD table or 2-level CD table (STE.S1Fmt,
/// STE.S1CDMax; IHI 0070 §3.4.3). In nested configurations CD and L1CD addresses are IPAs and go through stage 2.
/// </summary>
public sealed class CdTable
{
    private readonly SystemBus _bus;
    private readonly PageTableWalker _walker;

    /// <summary>Creates a CD-table reader.</summary>
    public CdTable(SystemBus bus, PageTableWalker walker)
    {
        _bus = bus;
        _walker = walker;
    }

    /// <summary>
    /// Reads the CD for <paramref name="ssid"/> (the caller has checked it against S1CDMax). Returns None,
    /// C_BAD_SUBSTREAMID (invalid L1CD), F_CD_FETCH or a stage-2 fault recorded in <paramref name="ctx"/>.
    /// </summary>
    internal SmmuEventType Fetch(in Ste ste, uint ssid, in StreamConfig partial, bool nested, ref WalkContext ctx, out ContextDescriptor cd)
    {
        cd = default;
        ulong ptr = ste.S1ContextPtr;
        ulong cdAddr;
        if (ste.S1CdMax == 0 || ste.S1Fmt == 0)
        {
            cdAddr = ptr + (ulong)ssid * ContextDescriptor.Size;
        }
        else
        {
            int split = ste.S1Fmt == 1 ? 6 : 10;
            ulong l1Addr = ptr + (ulong)(ssid >> split) * 8;
            if (!ToPhysical(ref ctx, partial, nested, ref l1Addr)) return ctx.Fault;
            ctx.AddFetch(8);
            if (_bus.Read64(l1Addr, out ulong l1cd) != BusStatus.Ok)
                return Abort(ref ctx, l1Addr);
            if ((l1cd & 1) == 0) return SmmuEventType.CBadSubstreamId; // L1CD.V
            cdAddr = (l1cd & 0x000f_ffff_ffff_f000UL) + (ulong)(ssid & ((1u << split) - 1)) * ContextDescriptor.Size;
        }
        if (!ToPhysical(ref ctx, partial, nested, ref cdAddr)) return ctx.Fault;
        ctx.AddFetch(ContextDescriptor.Size);
        Span<byte> buf = stackalloc byte[ContextDescriptor.Size];
        if (_bus.Read(cdAddr, buf) != BusStatus.Ok) return Abort(ref ctx, cdAddr);
        cd = ContextDescriptor.FromBytes(buf);
        return SmmuEventType.None;
    }

    private static SmmuEventType Abort(ref WalkContext ctx, ulong address)
    {
        ctx.SetFault(SmmuEventType.FCdFetch, false, SmmuEventClass.Cd, address);
        return SmmuEventType.FCdFetch;
    }

    private bool ToPhysical(ref WalkContext ctx, in StreamConfig partial, bool nested, ref ulong address)
    {
        if (!nested) return true;
        return _walker.TranslateIpa(ref ctx, partial, address, SmmuEventClass.Cd, out address);
    }
}
