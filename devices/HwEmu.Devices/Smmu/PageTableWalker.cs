using System.Runtime.CompilerServices;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// VMSAv8-64 translation table walker (ARM ARM D8; IHI 0070 §3.4/§3.5) for stage 1, stage 2 and nested
/// translation with 4K/16K/64K granules. Descriptors are read through the <see cref="SystemBus"/> (a bus error is
/// F_WALK_EABT). Table descriptors are cached in the <see cref="WalkCache"/>. All state lives in the caller's
/// <see cref="WalkContext"/>: a walk allocates nothing.
/// </summary>
public sealed class PageTableWalker
{
    private const ulong OaMask = 0x000f_ffff_ffff_f000UL; // descriptor OA bits [51:12]; [51:48] above any modelled PS

    private readonly SystemBus _bus;
    private readonly WalkCache _walkCache;
    private readonly Tlb _tlb;

    /// <summary>Creates a walker.</summary>
    public PageTableWalker(SystemBus bus, WalkCache walkCache, Tlb tlb, SmmuConfig config)
    {
        _bus = bus;
        _walkCache = walkCache;
        _tlb = tlb;
        Xnx = config.Xnx;
    }

    private bool Xnx { get; }

    /// <summary>Result of one stage's walk: the leaf page or block.</summary>
    internal struct Leaf
    {
        public ulong OutputBase;   // output address of the block/page containing the input
        public byte SizeLog2;
        public byte Level;
        public SmmuPermissions Perms;
    }

    /// <summary>True when a block descriptor is allowed at <paramref name="level"/> (no FEAT_LPA/LPA2).</summary>
    public static bool BlockAllowed(int granuleShift, int level) => granuleShift == 12 ? level is 1 or 2 : level == 2;

    /// <summary>Start level of a stage-1 walk for an input size (ARM ARM D8.2).</summary>
    public static int StartLevel(int granuleShift, int inputBits)
    {
        int stride = granuleShift - 3;
        int levels = (inputBits - granuleShift + stride - 1) / stride;
        return 4 - levels;
    }

    internal bool WalkStage1(ref WalkContext ctx, in StreamConfig sc, in StageParams tt, ulong va, out Leaf leaf)
        => Walk(ref ctx, sc, 1, tt, va, sc.Kind == StreamKind.Nested, SmmuEventClass.In, true, out leaf);

    internal bool WalkStage2(ref WalkContext ctx, in StreamConfig sc, ulong ipa, SmmuEventClass cls, bool primary, out Leaf leaf)
        => Walk(ref ctx, sc, 2, sc.S2, ipa, false, cls, primary, out leaf);

    /// <summary>
    /// Translates the IPA of a stage-1 table or CD fetch through stage 2 (TLB first, stage-2-only entries), with
    /// the S2 read permission a fetch needs. Faults are reported with CLASS = <paramref name="cls"/> and S2 = 1.
    /// </summary>
    internal bool TranslateIpa(ref WalkContext ctx, in StreamConfig sc, ulong ipa, SmmuEventClass cls, out ulong pa)
    {
        pa = 0;
        int idx = _tlb.Lookup(ipa, -1, sc.Vmid, sc.S2.GranuleShift);
        SmmuPermissions perms;
        if (idx >= 0)
        {
            ref readonly var e = ref _tlb[idx];
            pa = e.PaBase + (ipa - e.VaBase);
            perms = e.S2Perms;
        }
        else
        {
            if (!WalkStage2(ref ctx, sc, ipa, cls, false, out var l)) return false;
            ulong mask = (1UL << l.SizeLog2) - 1;
            pa = l.OutputBase + (ipa & mask);
            perms = l.Perms;
            _tlb.Insert(ipa, sc.S2.GranuleShift, new TlbEntry
            {
                VaBase = ipa & ~mask, PaBase = l.OutputBase, IpaBase = ipa & ~mask, Mask = mask, Asid = -1, Vmid = sc.Vmid,
                S1Perms = SmmuPermissions.All, S2Perms = l.Perms, Level = l.Level, SizeLog2 = l.SizeLog2,
            });
        }
        if ((perms & SmmuPermissions.PrivRead) == 0)
            return ctx.SetFault(SmmuEventType.FPermission, true, cls, ipa);
        return true;
    }

    private bool Walk(ref WalkContext ctx, in StreamConfig sc, int stage, in StageParams p, ulong ia, bool nested,
        SmmuEventClass cls, bool primary, out Leaf leaf)
    {
        leaf = default;
        bool s2 = stage == 2;
        ulong faultIpa = s2 ? ia : 0;
        if (s2 && p.InputBits < 64 && ia >> p.InputBits != 0)
            return ctx.SetFault(SmmuEventType.FTranslation, true, cls, faultIpa);
        if (primary) ctx.Walked = true;

        int g = p.GranuleShift, stride = g - 3;
        int asid = s2 ? -1 : sc.Asid;
        int level = p.StartLevel;
        int startBits = p.InputBits - (g + stride * (3 - level));
        // The table base is aligned to the size of the start-level table (concatenated tables included).
        ulong table = p.Ttb & ~((8UL << startBits) - 1);
        byte attrs = 0; // bit0 APTable[0] (no EL0), bit1 APTable[1] (read-only), bit2 PXNTable, bit3 UXNTable

        for (int l = 2; l >= level; l--)
        {
            if (!_walkCache.Caches(stage, l)) continue;
            if (primary) ctx.WalkCacheProbes++;
            if (_walkCache.Lookup(stage, l, ia, g + stride * (3 - l), g, asid, sc.Vmid, out ulong next, out byte a))
            {
                table = next;
                attrs = a;
                level = l + 1;
                if (primary) ctx.WalkCacheHitLevel = l;
                break;
            }
        }

        while (true)
        {
            int shift = g + stride * (3 - level);
            int bits = level == p.StartLevel ? startBits : stride;
            ulong descAddr = table + ((ia >> shift) & ((1UL << bits) - 1)) * 8;
            if (nested && !TranslateIpa(ref ctx, sc, descAddr, SmmuEventClass.Tt, out descAddr)) return false;
            ctx.AddFetch(8);
            if (_bus.Read64(descAddr, out ulong d) != BusStatus.Ok)
                return ctx.SetFault(SmmuEventType.FWalkEabt, s2, cls, descAddr);
            if ((d & 1) == 0) return ctx.SetFault(SmmuEventType.FTranslation, s2, cls, faultIpa);
            if (level < 3 && (d & 2) != 0)
            {
                ulong next = d & OaMask & ~((1UL << g) - 1);
                if (next >> p.OutputBits != 0) return ctx.SetFault(SmmuEventType.FAddrSize, s2, cls, faultIpa);
                if (!s2 && !p.HierarchicalDisabled) attrs |= (byte)(((d >> 61) & 3) | (((d >> 59) & 3) << 2));
                if (_walkCache.Caches(stage, level)) _walkCache.Insert(stage, level, ia, shift, g, asid, sc.Vmid, next, attrs);
                table = next;
                level++;
                continue;
            }
            if (level == 3 ? (d & 2) == 0 : !BlockAllowed(g, level))
                return ctx.SetFault(SmmuEventType.FTranslation, s2, cls, faultIpa);
            ulong oa = d & OaMask & ~((1UL << shift) - 1);
            // ARM ARM fault priority: address size, then access flag, then permission (checked by the caller).
            if (oa >> p.OutputBits != 0) return ctx.SetFault(SmmuEventType.FAddrSize, s2, cls, faultIpa);
            if ((d & (1UL << 10)) == 0 && !p.AccessFlagFaultDisabled)
                return ctx.SetFault(SmmuEventType.FAccess, s2, cls, faultIpa);
            leaf.OutputBase = oa;
            leaf.SizeLog2 = (byte)shift;
            leaf.Level = (byte)level;
            leaf.Perms = s2 ? Stage2Perms(d) : Stage1Perms(d, attrs);
            return true;
        }
    }

    /// <summary>Stage-1 permissions from AP[2:1], PXN, UXN and the accumulated table attributes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static SmmuPermissions Stage1Perms(ulong d, byte attrs)
    {
        bool el0 = (d & (1UL << 6)) != 0 && (attrs & 1) == 0;
        bool ro = (d & (1UL << 7)) != 0 || (attrs & 2) != 0;
        bool pxn = (d & (1UL << 53)) != 0 || (attrs & 4) != 0;
        bool uxn = (d & (1UL << 54)) != 0 || (attrs & 8) != 0;
        var p = SmmuPermissions.PrivRead;
        if (!ro) p |= SmmuPermissions.PrivWrite;
        if (el0) p |= SmmuPermissions.UserRead;
        if (el0 && !ro) p |= SmmuPermissions.UserWrite;
        if (!pxn && !(el0 && !ro)) p |= SmmuPermissions.PrivExec; // EL0-writable memory is never privileged-executable
        if (!uxn) p |= SmmuPermissions.UserExec;
        return p;
    }

    /// <summary>Stage-2 permissions from S2AP[1:0] (bit 6 read, bit 7 write) and XN (XN[1:0] with IDR3.XNX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal SmmuPermissions Stage2Perms(ulong d)
    {
        var p = SmmuPermissions.None;
        if ((d & (1UL << 6)) != 0) p |= SmmuPermissions.PrivRead | SmmuPermissions.UserRead;
        if ((d & (1UL << 7)) != 0) p |= SmmuPermissions.PrivWrite | SmmuPermissions.UserWrite;
        bool privX, userX;
        if (Xnx)
        {
            int xn = (int)(d >> 53) & 3;
            privX = xn is 0 or 3;
            userX = xn is 0 or 1;
        }
        else privX = userX = (d & (1UL << 54)) == 0;
        if (privX) p |= SmmuPermissions.PrivExec;
        if (userX) p |= SmmuPermissions.UserExec;
        return p;
    }
}
