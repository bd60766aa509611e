using System.Runtime.CompilerServices;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Kernel;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// An Arm SMMUv3 (IHI 0070): register file, stream/CD tables, stage-1/stage-2/nested translation, TLB, walk and
/// config caches, command and event queues. A coordinator over small collaborators; the functional core
/// (<see cref="Translate(in SmmuTransaction, out TranslationResult)"/>) is separable from the timing layer
/// (<see cref="Translate(in SmmuTransaction, ulong, out TranslationResult)"/>), which books each descriptor
/// fetch on a <see cref="MemoryTimingModel"/> and bounds translation and walk slots.
/// </summary>
public sealed class SmmuV3 : IMmioDevice
{
    internal const ulong Cr0SmmuEn = 1, Cr0EventqEn = 1 << 2, Cr0CmdqEn = 1 << 3;
    internal const ulong IrqCtrlGerrorIrqEn = 1, IrqCtrlEventqIrqEn = 1 << 2;
    internal const ulong GerrorCmdqErr = 1, GerrorEventqAbt = 1 << 2, GerrorMsiCmdqAbt = 1 << 4,
        GerrorMsiEventqAbt = 1 << 5, GerrorMsiGerrorAbt = 1 << 7;
    private const ulong GbpaUpdate = 1UL << 31, GbpaAbort = 1UL << 20;

    private readonly SystemBus _bus;
    private readonly SmmuRegisters _regs;
    private readonly Tlb _tlb;
    private readonly WalkCache _walkCache;
    private readonly ConfigCache _configCache;
    private readonly StreamTable _streamTable;
    private readonly CdTable _cdTable;
    private readonly PageTableWalker _walker;
    private readonly ulong[] _xlateSlotFree;
    private readonly ulong[] _walkSlotFree;
    private readonly int _asidMask, _vmidMask;
    private StreamConfig _scratch;
    private readonly int _fetch8Cycles, _fetch64Cycles;
    private readonly SmmuTiming _timing;
    private readonly ulong _tlbHitCycles;
    private readonly int _ias;

    /// <summary>Creates an SMMU reading its structures through <paramref name="bus"/>.</summary>
    /// <param name="bus">System bus for table walks, queues and MSIs.</param>
    /// <param name="config">Features, caches and timing (defaults when null).</param>
    /// <param name="name">Name for dumps and traces.</param>
    public SmmuV3(SystemBus bus, SmmuConfig? config = null, string name = "smmuv3")
    {
        _bus = bus;
        Config = config ?? new SmmuConfig();
        Name = name;
        _regs = new SmmuRegisters(Config);
        _tlb = new Tlb(Config.Tlb, Config.Seed);
        _walkCache = new WalkCache(Config);
        _configCache = new ConfigCache(Config.ConfigCache, Config.Seed + 1);
        _streamTable = new StreamTable(bus, Config);
        _walker = new PageTableWalker(bus, _walkCache, _tlb, Config);
        _cdTable = new CdTable(bus, _walker);
        CommandQueue = new CommandQueue(this, _regs, bus, Config);
        EventQueue = new EventQueue(this, _regs, bus, Config);
        Clock = new ClockDomain(name, Config.Timing.ClockHz);
        MemoryTiming = new MemoryTimingModel(Config.Timing.Memory);
        _xlateSlotFree = new ulong[Math.Max(1, Config.Timing.TranslationSlots)];
        _walkSlotFree = new ulong[Math.Max(1, Config.Timing.WalkSlots)];
        _asidMask = Config.Asid16 ? 0xffff : 0xff;
        _timing = Config.Timing;
        _ias = Config.Stage1 ? Math.Max(48, Config.Oas) : Config.Oas; // IAS = max(S1 VA size, S2 IPA size = OAS)
        _tlbHitCycles = (ulong)(_timing.ConfigCacheLookupCycles + _timing.TlbLookupCycles);
        _fetch8Cycles = ComputeFetchCycles(8);
        _fetch64Cycles = ComputeFetchCycles(64);
        _vmidMask = Config.Vmid16 ? 0xffff : 0xff;
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <summary>The configuration.</summary>
    public SmmuConfig Config { get; }
    /// <summary>The register file.</summary>
    public SmmuRegisters Registers => _regs;
    /// <summary>The TLB.</summary>
    public Tlb Tlb => _tlb;
    /// <summary>The walk caches.</summary>
    public WalkCache WalkCache => _walkCache;
    /// <summary>The configuration cache.</summary>
    public ConfigCache ConfigCache => _configCache;
    /// <summary>The stream-table reader.</summary>
    public StreamTable StreamTable => _streamTable;
    /// <summary>The CD-table reader.</summary>
    public CdTable CdTable => _cdTable;
    /// <summary>The table walker.</summary>
    public PageTableWalker Walker => _walker;
    /// <summary>The command queue.</summary>
    public CommandQueue CommandQueue { get; }
    /// <summary>The event queue.</summary>
    public EventQueue EventQueue { get; }
    /// <summary>The SMMU clock.</summary>
    public ClockDomain Clock { get; }
    /// <summary>Timing of descriptor fetches (timed translations only).</summary>
    public MemoryTimingModel MemoryTiming { get; }

    /// <summary>Observer for traces (null = none; nothing is called).</summary>
    public ISmmuObserver? Observer { get; set; }
    /// <summary>Wired interrupt lines, used when an MSI is not configured.</summary>
    public Action<SmmuInterrupt>? WiredInterrupt { get; set; }
    /// <summary>Replaces the bus for MSI writes: (address, data) → accepted. Null = write through the bus.</summary>
    public Func<ulong, uint, bool>? MsiWriter { get; set; }
    /// <summary>Called for CMD_SYNC with CS = SIG_SEV.</summary>
    public Action? SendEvent { get; set; }

    /// <summary>Translations performed.</summary>
    public long Translations { get; private set; }
    /// <summary>Translations that faulted.</summary>
    public long Faults { get; private set; }

    /// <summary>True when SMMU_CR0.SMMUEN = 1.</summary>
    public bool Enabled => (_regs[SmmuRegister.Cr0] & Cr0SmmuEn) != 0;

    /// <summary>Register dump using the declared names.</summary>
    public string DumpRegisters() => _regs.Dump();

    /// <summary>Returns registers, caches and timing state to reset.</summary>
    public void Reset()
    {
        _regs.Reset();
        _tlb.Reset();
        _walkCache.InvalidateAll();
        _configCache.InvalidateAll();
        MemoryTiming.Reset();
        Array.Clear(_xlateSlotFree);
        Array.Clear(_walkSlotFree);
    }

    // ------------------------------------------------------------------ MMIO

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes)
    {
        value = 0;
        if (size is not (4 or 8) || (offset & (ulong)(size - 1)) != 0) return BusStatus.SlaveError;
        if (!_regs.TryDecode(offset, size, out var id, out int shift, out bool badSize))
            return badSize ? BusStatus.SlaveError : BusStatus.Ok; // reserved: RAZ
        ulong v = _regs[id] >> shift;
        value = size == 4 ? v & 0xffff_ffff : v;
        return BusStatus.Ok;
    }

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        if (size is not (4 or 8) || (offset & (ulong)(size - 1)) != 0) return BusStatus.SlaveError;
        if (!_regs.TryDecode(offset, size, out var id, out int shift, out bool badSize))
            return badSize ? BusStatus.SlaveError : BusStatus.Ok; // reserved: WI
        var def = _regs.Definitions[(int)id];
        ulong old = _regs[id];
        ulong cr0 = _regs[SmmuRegister.Cr0];
        bool writable = def.Access switch
        {
            RegisterAccess.ReadOnly => false,
            RegisterAccess.WriteWhenSmmuDisabled => (cr0 & Cr0SmmuEn) == 0,
            RegisterAccess.WriteWhenCmdqDisabled => (cr0 & Cr0CmdqEn) == 0,
            RegisterAccess.WriteWhenEventqDisabled => (cr0 & Cr0EventqEn) == 0,
            _ => true,
        };
        if (!writable) return BusStatus.Ok;
        ulong incoming = size == 8 ? value : (old & ~(0xffff_ffffUL << shift)) | ((value & 0xffff_ffff) << shift);
        ulong updated = (old & ~def.WriteMask) | (incoming & def.WriteMask);
        if (def.Access == RegisterAccess.Custom)
        {
            // GBPA (§6.3.14): only a write with Update = 1 changes the fields; Update then reads as 0 (complete).
            if (id == SmmuRegister.Gbpa && (incoming & GbpaUpdate) != 0) _regs[id] = updated & ~GbpaUpdate;
            return BusStatus.Ok;
        }
        _regs[id] = updated;
        AfterWrite(id);
        return BusStatus.Ok;
    }

    private void AfterWrite(SmmuRegister id)
    {
        switch (id)
        {
            case SmmuRegister.Cr0:
                _regs[SmmuRegister.Cr0Ack] = _regs[SmmuRegister.Cr0]; // updates complete immediately
                CommandQueue.Consume();
                break;
            case SmmuRegister.IrqCtrl:
                _regs[SmmuRegister.IrqCtrlAck] = _regs[SmmuRegister.IrqCtrl];
                break;
            case SmmuRegister.CmdqProd:
            case SmmuRegister.Gerrorn:
                CommandQueue.Consume();
                break;
        }
    }

    // ------------------------------------------------------------------ interrupts and errors

    internal void RaiseGlobalError(ulong bit)
    {
        ulong g = _regs[SmmuRegister.Gerror], n = _regs[SmmuRegister.Gerrorn];
        if (((g ^ n) & bit) != 0) return; // already active: GERROR toggles only on a new error
        _regs[SmmuRegister.Gerror] = g ^ bit;
        if (bit != GerrorMsiGerrorAbt && (_regs[SmmuRegister.IrqCtrl] & IrqCtrlGerrorIrqEn) != 0)
            SignalInterrupt(SmmuInterrupt.GlobalError, _regs[SmmuRegister.GerrorIrqCfg0], (uint)_regs[SmmuRegister.GerrorIrqCfg1], GerrorMsiGerrorAbt);
    }

    internal void SignalInterrupt(SmmuInterrupt source, ulong msiAddress, uint msiData, ulong abortBit)
    {
        ulong addr = msiAddress & 0x000f_ffff_ffff_fffcUL;
        if (Config.Msi && addr != 0)
        {
            bool ok = MsiWriter is { } w ? w(addr, msiData)
                : _bus.Write(addr, 4, msiData, new BusAttributes(DeviceId: Config.MsiDeviceId)) == BusStatus.Ok;
            if (!ok) RaiseGlobalError(abortBit);
        }
        else WiredInterrupt?.Invoke(source);
    }

    // ------------------------------------------------------------------ commands

    /// <summary>Executes one command (IHI 0070 §4); returns the CMDQ error it raises, if any.</summary>
    internal CmdqError Execute(in CmdqCommand cmd)
    {
        var c = Config;
        switch (cmd.Opcode)
        {
            case CmdqOpcode.PrefetchConfig:
            case CmdqOpcode.PrefetchAddr:
                return cmd.SSec ? CmdqError.Illegal : CmdqError.None; // hints: nothing to do
            case CmdqOpcode.CfgiSte:
                if (cmd.SSec) return CmdqError.Illegal;
                _configCache.InvalidateStreams(cmd.StreamId, cmd.StreamId);
                return CmdqError.None;
            case CmdqOpcode.CfgiSteRange:
            {
                if (cmd.SSec) return CmdqError.Illegal;
                if (cmd.Range == 31) { _configCache.InvalidateAll(); return CmdqError.None; }
                uint span = 1u << (cmd.Range + 1);
                uint first = cmd.StreamId & ~(span - 1);
                _configCache.InvalidateStreams(first, first + (span - 1));
                return CmdqError.None;
            }
            case CmdqOpcode.CfgiCd:
                if (cmd.SSec) return CmdqError.Illegal;
                _configCache.InvalidateSubstream(cmd.StreamId, cmd.SubstreamId);
                return CmdqError.None;
            case CmdqOpcode.CfgiCdAll:
                if (cmd.SSec) return CmdqError.Illegal;
                _configCache.InvalidateStreams(cmd.StreamId, cmd.StreamId);
                return CmdqError.None;
            case CmdqOpcode.TlbiNhAll:
                if (!c.Stage1) return CmdqError.Illegal;
                return Invalidate(new TlbInvalidation { Stage1 = true, MatchVmid = c.Stage2, Vmid = cmd.Vmid & _vmidMask });
            case CmdqOpcode.TlbiNhAsid:
                if (!c.Stage1) return CmdqError.Illegal;
                return Invalidate(new TlbInvalidation
                {
                    Stage1 = true, MatchVmid = c.Stage2, Vmid = cmd.Vmid & _vmidMask, MatchAsid = true, Asid = cmd.Asid & _asidMask,
                });
            case CmdqOpcode.TlbiNhVa:
            case CmdqOpcode.TlbiNhVaa:
                if (!c.Stage1) return CmdqError.Illegal;
                return Invalidate(AddressScope(cmd, stage2: false, matchAsid: cmd.Opcode == CmdqOpcode.TlbiNhVa));
            case CmdqOpcode.TlbiEl2All:
            case CmdqOpcode.TlbiEl2Asid:
            case CmdqOpcode.TlbiEl2Va:
            case CmdqOpcode.TlbiEl2Vaa:
                // EL2 (StreamWorld = EL2) translations are never cached by this model: nothing to remove.
                return c.Hyp && c.Stage1 ? CmdqError.None : CmdqError.Illegal;
            case CmdqOpcode.TlbiS12Vmall:
                if (!c.Stage2) return CmdqError.Illegal;
                return Invalidate(new TlbInvalidation { Stage1 = true, Stage2 = true, MatchVmid = true, Vmid = cmd.Vmid & _vmidMask });
            case CmdqOpcode.TlbiS2Ipa:
                if (!c.Stage2) return CmdqError.Illegal;
                return Invalidate(AddressScope(cmd, stage2: true, matchAsid: false));
            case CmdqOpcode.TlbiNsnhAll:
                _tlb.InvalidateAll();
                _walkCache.InvalidateAll();
                return CmdqError.None;
            case CmdqOpcode.Sync:
                switch (cmd.SyncCs)
                {
                    case 1: SignalInterrupt(SmmuInterrupt.CmdSync, cmd.MsiAddress, cmd.MsiData, GerrorMsiCmdqAbt); break;
                    case 2: if (c.Sev) SendEvent?.Invoke(); break;
                    case 3: return CmdqError.Illegal; // reserved CS
                }
                return CmdqError.None;
            default:
                // EL3 TLBIs (secure only), ATC_INV (no ATS), PRI_RESP (no PRI), RESUME/STALL_TERM (no stall
                // model), CFGI_VMS_PIDM and unknown opcodes.
                return CmdqError.Illegal;
        }
    }

    private TlbInvalidation AddressScope(in CmdqCommand cmd, bool stage2, bool matchAsid)
    {
        var s = new TlbInvalidation
        {
            Stage1 = !stage2, Stage2 = stage2, MatchVmid = Config.Stage2, Vmid = cmd.Vmid & _vmidMask,
            MatchAsid = matchAsid, Asid = cmd.Asid & _asidMask, MatchRange = true, LeafOnly = cmd.Leaf,
        };
        ulong addr = cmd.Address;
        if (Config.RangeInvalidation && cmd.Tg != 0)
        {
            // Range form (§4.4.2): (NUM+1) * 2^SCALE pages of the TG granule from Address; TTL names the level.
            int tgShift = cmd.Tg switch { 1 => 12, 2 => 14, _ => 16 };
            UInt128 bytes = (UInt128)(ulong)(cmd.Num + 1) << (cmd.Scale + tgShift);
            s.Start = addr & ~((1UL << tgShift) - 1);
            UInt128 end = s.Start + bytes - 1;
            s.End = end > ulong.MaxValue ? ulong.MaxValue : (ulong)end;
            s.Level = cmd.Ttl;
        }
        else
        {
            s.Start = s.End = addr; // TTL is only meaningful with TG != 0
        }
        return s;
    }

    private CmdqError Invalidate(in TlbInvalidation scope)
    {
        _tlb.Invalidate(scope);
        _walkCache.Invalidate(scope);
        return CmdqError.None;
    }

    // ------------------------------------------------------------------ translation

    /// <summary>
    /// Functional translation: what happens, with the uncontended latency in cycles (no time booked anywhere).
    /// </summary>
    public void Translate(in SmmuTransaction transaction, out TranslationResult result)
    {
        Unsafe.SkipInit(out WalkContext ctx);
        ctx.Init();
        TranslateCore(transaction, ref ctx, out result);
        result.LatencyCycles = UncontendedCycles(ref ctx, result.Source);
        Observer?.OnTranslation(transaction, result);
    }

    /// <summary>
    /// Timed translation of a transaction arriving at <paramref name="nowPs"/>: waits for a translation slot (and
    /// a walk slot when walking), books every fetch on <see cref="MemoryTiming"/> and reports the completion time.
    /// Calls must come in non-decreasing time order.
    /// </summary>
    public void Translate(in SmmuTransaction transaction, ulong nowPs, out TranslationResult result)
    {
        Unsafe.SkipInit(out WalkContext ctx);
        ctx.Init();
        TranslateCore(transaction, ref ctx, out result);
        ApplyTiming(ref ctx, nowPs, ref result);
        Observer?.OnTranslation(transaction, result);
    }

    /// <summary>Cycles of one uncontended descriptor fetch of <paramref name="bytes"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int FetchCycles(int bytes) => bytes == 8 ? _fetch8Cycles : bytes == 64 ? _fetch64Cycles : ComputeFetchCycles(bytes);

    private int ComputeFetchCycles(int bytes)
    {
        var t = Config.Timing;
        ulong transfer = (ulong)Math.Ceiling(bytes * (1000.0 / t.Memory.BytesPerNanosecond));
        return t.FetchIssueCycles + (int)Clock.CyclesIn(t.Memory.LatencyPs + transfer) + t.FetchProcessCycles;
    }

    private ulong UncontendedCycles(ref WalkContext ctx, TranslationSource source)
    {
        var t = _timing;
        if (source == TranslationSource.Tlb && ctx.Fetches == 0) return _tlbHitCycles;
        if (source == TranslationSource.Gbpa) return (ulong)t.BypassCycles;
        ulong cycles = (ulong)t.ConfigCacheLookupCycles;
        if (ctx.TlbLooked) cycles += (ulong)t.TlbLookupCycles;
        if (ctx.Walked) cycles += (ulong)(t.WalkStartCycles + ctx.WalkCacheProbes * t.WalkCacheLookupCycles);
        int n = Math.Min(ctx.Fetches, FetchLog.Capacity);
        for (int i = 0; i < n; i++) cycles += (ulong)FetchCycles(ctx.FetchSizes[i]);
        if (source is TranslationSource.ConfigCache or TranslationSource.ConfigFetch) cycles += (ulong)t.BypassCycles;
        return cycles;
    }

    private void ApplyTiming(ref WalkContext ctx, ulong nowPs, ref TranslationResult r)
    {
        var t = Config.Timing;
        var clock = Clock;
        ulong arrival = clock.CycleAt(clock.NextEdge(nowPs));
        if (r.Source == TranslationSource.Gbpa)
        {
            r.LatencyCycles = (ulong)t.BypassCycles;
            r.CompletionTimePs = clock.EdgeTime(arrival + r.LatencyCycles);
            return;
        }
        int xs = OldestSlot(_xlateSlotFree);
        ulong cyc = Math.Max(arrival, _xlateSlotFree[xs]);
        ulong queued = cyc - arrival;
        cyc += (ulong)t.ConfigCacheLookupCycles;
        int n = Math.Min(ctx.Fetches, FetchLog.Capacity), i = 0;
        int configFetches = Math.Min(ctx.ConfigFetches, n);
        for (; i < configFetches; i++) cyc = BookFetch(cyc, ctx.FetchSizes[i]);
        if (ctx.TlbLooked) cyc += (ulong)t.TlbLookupCycles;
        int ws = -1;
        if (ctx.Walked)
        {
            ws = OldestSlot(_walkSlotFree);
            if (_walkSlotFree[ws] > cyc) { queued += _walkSlotFree[ws] - cyc; cyc = _walkSlotFree[ws]; }
            cyc += (ulong)(t.WalkStartCycles + ctx.WalkCacheProbes * t.WalkCacheLookupCycles);
        }
        for (; i < n; i++) cyc = BookFetch(cyc, ctx.FetchSizes[i]);
        if (ws >= 0) _walkSlotFree[ws] = cyc;
        if (r.Source is TranslationSource.ConfigCache or TranslationSource.ConfigFetch) cyc += (ulong)t.BypassCycles;
        _xlateSlotFree[xs] = cyc;
        r.QueueCycles = queued;
        r.LatencyCycles = cyc - arrival;
        r.CompletionTimePs = clock.EdgeTime(cyc);
    }

    private ulong BookFetch(ulong cycle, int bytes)
    {
        var t = Config.Timing;
        ulong issue = Clock.EdgeTime(cycle + (ulong)t.FetchIssueCycles);
        ulong done = MemoryTiming.Access(issue, bytes);
        return Clock.CycleAt(Clock.NextEdge(done)) + (ulong)t.FetchProcessCycles;
    }

    private static int OldestSlot(ulong[] slots)
    {
        int best = 0;
        for (int i = 1; i < slots.Length; i++) if (slots[i] < slots[best]) best = i;
        return best;
    }

    private void TranslateCore(in SmmuTransaction tx, ref WalkContext ctx, out TranslationResult r)
    {
        r = default;
        r.WalkCacheLevel = -1;
        Translations++;
        if ((_regs[SmmuRegister.Cr0] & Cr0SmmuEn) == 0)
        {
            r.Source = TranslationSource.Gbpa;
            if ((_regs[SmmuRegister.Gbpa] & GbpaAbort) != 0) r.Status = TranslationStatus.Abort;
            else Bypass(tx, ref r);
            return;
        }

        uint ssidKey = tx.SubstreamValid ? tx.SubstreamId : ConfigCache.NoSubstream;
        int ci = _configCache.Lookup(tx.StreamId, ssidKey);
        if (ci >= 0)
        {
            r.ConfigCacheHit = true;
            Dispatch(tx, ref ctx, in _configCache[ci], ref r);
            return;
        }
        var ev = ResolveConfig(tx, ref ctx, out _scratch);
        ctx.ConfigFetches = ctx.Fetches;
        if (ev != SmmuEventType.None)
        {
            Fault(tx, ref ctx, ev, _scratch, ref r, configError: true);
            return;
        }
        _configCache.Insert(tx.StreamId, ssidKey, _scratch);
        Dispatch(tx, ref ctx, in _scratch, ref r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bypass(in SmmuTransaction tx, ref TranslationResult r)
    {
        r.Status = TranslationStatus.Bypass;
        r.OutputAddress = tx.Address;
        r.Permissions = SmmuPermissions.All;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Dispatch(in SmmuTransaction tx, ref WalkContext ctx, in StreamConfig sc, ref TranslationResult r)
    {
        switch (sc.Kind)
        {
            case StreamKind.Abort:
                r.Status = TranslationStatus.Abort;
                r.Source = r.ConfigCacheHit ? TranslationSource.ConfigCache : TranslationSource.ConfigFetch;
                return;
            case StreamKind.Bypass:
                Bypass(tx, ref r);
                r.Source = r.ConfigCacheHit ? TranslationSource.ConfigCache : TranslationSource.ConfigFetch;
                return;
            case StreamKind.Disabled:
                Fault(tx, ref ctx, SmmuEventType.FStreamDisabled, sc, ref r, configError: true);
                return;
        }

        bool priv = sc.PrivCfg switch { 2 => false, 3 => true, _ => tx.Privileged };
        bool instr = sc.InstCfg switch { 2 => false, 3 => true, _ => tx.Instruction };
        var need = tx.Write ? (priv ? SmmuPermissions.PrivWrite : SmmuPermissions.UserWrite)
            : instr ? (priv ? SmmuPermissions.PrivExec : SmmuPermissions.UserExec)
            : (priv ? SmmuPermissions.PrivRead : SmmuPermissions.UserRead);

        ulong va = tx.Address;
        int asid = -1;
        bool upper = false;
        if (sc.HasStage1)
        {
            // TTB0/TTB1 selection by VA[55]; with TBI the top byte is ignored (IHI 0070 §3.4.1).
            upper = (va & (1UL << 55)) != 0;
            ref readonly var tt = ref upper ? ref sc.Tt1 : ref sc.Tt0;
            if (tt.TopByteIgnore) va = upper ? va | 0xff00_0000_0000_0000UL : va & 0x00ff_ffff_ffff_ffffUL;
            ulong outside = (upper ? ~va : va) >> tt.InputBits;
            if (!tt.Enabled || outside != 0)
            {
                ctx.SetFault(SmmuEventType.FTranslation, false, SmmuEventClass.In, 0);
                Fault(tx, ref ctx, SmmuEventType.FTranslation, sc, ref r, configError: false);
                return;
            }
            asid = sc.Asid;
        }
        else if (va >> _ias != 0)
        {
            // Stage 1 bypassed: an input address beyond the SMMU's IAS is an address size fault (IHI 0070 §3.4.1),
            // reported as a stage-1 fault as QEMU does; within IAS but beyond S2T0SZ it is a stage-2 translation fault.
            ctx.SetFault(SmmuEventType.FAddrSize, false, SmmuEventClass.In, 0);
            Fault(tx, ref ctx, SmmuEventType.FAddrSize, sc, ref r, configError: false);
            return;
        }

        ctx.TlbLooked = true;
        int ti = _tlb.Lookup(va, asid, sc.Vmid, sc.TlbIndexShift);
        if (ti >= 0)
        {
            r.Source = TranslationSource.Tlb;
            Complete(tx, ref ctx, sc, va, need, in _tlb[ti], ref r);
            return;
        }
        if (!Walk(ref ctx, sc, upper, va, need, out var walked))
        {
            Fault(tx, ref ctx, ctx.Fault, sc, ref r, configError: false);
            return;
        }
        r.Source = ctx.WalkCacheHitLevel >= 0 ? TranslationSource.WalkCache : TranslationSource.FullWalk;
        Complete(tx, ref ctx, sc, va, need, in walked, ref r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Complete(in SmmuTransaction tx, ref WalkContext ctx, in StreamConfig sc, ulong va, SmmuPermissions need, in TlbEntry e, ref TranslationResult r)
    {
        ulong offset = va - e.VaBase;
        if ((e.S1Perms & need) == 0)
        {
            ctx.SetFault(SmmuEventType.FPermission, false, SmmuEventClass.In, 0);
            Fault(tx, ref ctx, SmmuEventType.FPermission, sc, ref r, configError: false);
            return;
        }
        if ((e.S2Perms & need) == 0)
        {
            ctx.SetFault(SmmuEventType.FPermission, true, SmmuEventClass.In, e.IpaBase + offset);
            Fault(tx, ref ctx, SmmuEventType.FPermission, sc, ref r, configError: false);
            return;
        }
        r.Status = TranslationStatus.Ok;
        r.OutputAddress = e.PaBase + offset;
        r.Permissions = e.S1Perms & e.S2Perms;
        r.PageSizeLog2 = e.SizeLog2;
        r.WalkCacheLevel = ctx.WalkCacheHitLevel;
        r.DescriptorFetches = ctx.Fetches;
    }

    private bool Walk(ref WalkContext ctx, in StreamConfig sc, bool upper, ulong va, SmmuPermissions need, out TlbEntry e)
    {
        e = default;
        if (sc.HasStage1)
        {
            ref readonly var tt = ref upper ? ref sc.Tt1 : ref sc.Tt0;
            if (!_walker.WalkStage1(ref ctx, sc, tt, va, out var l1)) return false;
            ulong m1 = (1UL << l1.SizeLog2) - 1;
            ulong out1 = l1.OutputBase | (va & m1);
            if (sc.Kind != StreamKind.Nested)
            {
                e = new TlbEntry
                {
                    VaBase = va & ~m1, PaBase = l1.OutputBase, Mask = m1, Asid = sc.Asid, Vmid = sc.Vmid,
                    S1Perms = l1.Perms, S2Perms = SmmuPermissions.All, Level = l1.Level, SizeLog2 = l1.SizeLog2,
                };
            }
            else
            {
                // A stage-1 permission fault is reported before the output IPA goes through stage 2.
                if ((l1.Perms & need) == 0)
                    return ctx.SetFault(SmmuEventType.FPermission, false, SmmuEventClass.In, 0);
                if (!_walker.WalkStage2(ref ctx, sc, out1, SmmuEventClass.In, false, out var l2)) return false;
                int size = Math.Min(l1.SizeLog2, l2.SizeLog2);
                ulong m = (1UL << size) - 1;
                ulong pa = l2.OutputBase | (out1 & ((1UL << l2.SizeLog2) - 1));
                e = new TlbEntry
                {
                    VaBase = va & ~m, PaBase = pa & ~m, IpaBase = out1 & ~m, Mask = m, Asid = sc.Asid, Vmid = sc.Vmid,
                    S1Perms = l1.Perms, S2Perms = l2.Perms, Level = size == l1.SizeLog2 ? l1.Level : l2.Level, SizeLog2 = (byte)size,
                };
            }
        }
        else
        {
            if (!_walker.WalkStage2(ref ctx, sc, va, SmmuEventClass.In, true, out var l2)) return false;
            ulong m2 = (1UL << l2.SizeLog2) - 1;
            e = new TlbEntry
            {
                VaBase = va & ~m2, PaBase = l2.OutputBase, IpaBase = va & ~m2, Mask = m2, Asid = -1, Vmid = sc.Vmid,
                S1Perms = SmmuPermissions.All, S2Perms = l2.Perms, Level = l2.Level, SizeLog2 = l2.SizeLog2,
            };
        }
        _tlb.Insert(va, sc.TlbIndexShift, e);
        return true;
    }

    private void Fault(in SmmuTransaction tx, ref WalkContext ctx, SmmuEventType type, in StreamConfig sc, ref TranslationResult r, bool configError)
    {
        Faults++;
        r.Status = TranslationStatus.Fault;
        r.Source = TranslationSource.Fault;
        r.DescriptorFetches = ctx.Fetches;
        r.WalkCacheLevel = ctx.WalkCacheHitLevel;
        var rec = new SmmuEventRecord
        {
            Type = type, StreamId = tx.StreamId, SubstreamId = tx.SubstreamId, SubstreamValid = tx.SubstreamValid,
            Privileged = tx.Privileged, Instruction = tx.Instruction, Read = !tx.Write,
            Stage2 = ctx.FaultStage2, Class = ctx.FaultClass, InputAddress = tx.Address, Address2 = ctx.FaultAddress2,
        };
        r.Event = rec;
        bool translationFault = type is SmmuEventType.FTranslation or SmmuEventType.FAddrSize or SmmuEventType.FAccess or SmmuEventType.FPermission;
        // CD.R / STE.S2R gate the recording of these four fault types only (IHI 0070 §5.4, §5.2).
        bool record = !translationFault || (ctx.FaultStage2 ? sc.RecordStage2 : sc.RecordStage1);
        r.RazWi = translationFault && !configError && !sc.AbortOnFault;
        if (record)
        {
            r.EventRecorded = EventQueue.Write(rec);
            Observer?.OnEvent(rec, r.EventRecorded);
        }
    }

    private SmmuEventType ResolveConfig(in SmmuTransaction tx, ref WalkContext ctx, out StreamConfig sc)
    {
        sc = default;
        var ev = _streamTable.Fetch(tx.StreamId, _regs[SmmuRegister.StrtabBase], (uint)_regs[SmmuRegister.StrtabBaseCfg], ref ctx, out var ste, out ulong fetchAddr);
        if (ev == SmmuEventType.FSteFetch) ctx.SetFault(ev, false, SmmuEventClass.In, fetchAddr);
        if (ev != SmmuEventType.None) return ev;
        ev = ste.Check(Config);
        if (ev != SmmuEventType.None) return ev;

        sc.Kind = (SteConfig)ste.ConfigRaw switch
        {
            SteConfig.Abort => StreamKind.Abort,
            SteConfig.Stage1 => StreamKind.Stage1,
            SteConfig.Stage2 => StreamKind.Stage2,
            SteConfig.Nested => StreamKind.Nested,
            _ => StreamKind.Bypass,
        };
        if (sc.Kind == StreamKind.Abort) return SmmuEventType.None;
        sc.Vmid = Config.Stage2 ? ste.S2Vmid & _vmidMask : 0;
        sc.PrivCfg = (byte)ste.PrivCfg;
        sc.InstCfg = (byte)ste.InstCfg;
        sc.RecordStage2 = ste.S2R;
        sc.RecordStage1 = true; // no CD.R when stage 1 is bypassed (replaced by CD.R below)
        sc.AbortOnFault = true;
        if (sc.HasStage2)
        {
            int g = ste.S2GranuleShift;
            int ps = Math.Min(SmmuConfig.DecodeAddressSize(ste.S2Ps), Config.Oas);
            Ste.TryStage2StartLevel(g, ste.S2T0Sz, ste.S2Sl0, ps, out int sl, out _);
            sc.S2 = new StageParams
            {
                Ttb = ste.S2Ttb, GranuleShift = (byte)g, InputBits = (byte)(64 - ste.S2T0Sz), OutputBits = (byte)ps,
                StartLevel = (sbyte)sl, Enabled = true, AccessFlagFaultDisabled = ste.S2Affd,
            };
            sc.TlbIndexShift = (byte)g;
        }
        if (!sc.HasStage1)
        {
            // Stage 1 bypassed: SubstreamIDs are not permitted.
            return tx.SubstreamValid ? SmmuEventType.CBadSubstreamId : SmmuEventType.None;
        }

        uint cdIndex;
        if (ste.S1CdMax == 0)
        {
            if (tx.SubstreamValid) return SmmuEventType.CBadSubstreamId;
            cdIndex = 0;
        }
        else if (!tx.SubstreamValid)
        {
            switch (ste.S1Dss)
            {
                case 0: sc.Kind = StreamKind.Disabled; return SmmuEventType.None;
                case 1: sc.Kind = sc.HasStage2 ? StreamKind.Stage2 : StreamKind.Bypass; return SmmuEventType.None;
            }
            cdIndex = 0;
        }
        else
        {
            if (tx.SubstreamId >> ste.S1CdMax != 0 || ste.S1Dss == 2 && tx.SubstreamId == 0) return SmmuEventType.CBadSubstreamId;
            cdIndex = tx.SubstreamId;
        }

        ev = _cdTable.Fetch(ste, cdIndex, sc, sc.Kind == StreamKind.Nested, ref ctx, out var cd);
        if (ev != SmmuEventType.None) return ev;
        ev = cd.Check(Config);
        if (ev != SmmuEventType.None) return ev;

        sc.Asid = cd.Asid & _asidMask;
        sc.RecordStage1 = cd.R;
        sc.AbortOnFault = cd.A || Config.TermModelAbortOnly;
        int ips = Math.Min(SmmuConfig.DecodeAddressSize(cd.Ips), Config.Oas);
        bool had = Config.HierarchicalAttributeDisable;
        sc.Tt0 = Stage1Table(cd.Granule0Shift, cd.T0Sz, cd.Ttb0, !cd.Epd0, had && cd.Had0, cd.Affd, cd.Tbi0, ips);
        sc.Tt1 = Stage1Table(cd.Granule1Shift, cd.T1Sz, cd.Ttb1, !cd.Epd1, had && cd.Had1, cd.Affd, cd.Tbi1, ips);
        int shift = 16;
        if (sc.Tt0.Enabled) shift = Math.Min(shift, sc.Tt0.GranuleShift);
        if (sc.Tt1.Enabled) shift = Math.Min(shift, sc.Tt1.GranuleShift);
        if (sc.HasStage2) shift = Math.Min(shift, sc.S2.GranuleShift);
        sc.TlbIndexShift = (byte)shift;
        return SmmuEventType.None;
    }

    private static StageParams Stage1Table(int g, int tsz, ulong ttb, bool enabled, bool had, bool affd, bool tbi, int ips)
    {
        if (!enabled) return new StageParams { Enabled = false, TopByteIgnore = tbi, GranuleShift = 12, InputBits = 48 };
        int ia = 64 - tsz;
        return new StageParams
        {
            Ttb = ttb, GranuleShift = (byte)g, InputBits = (byte)ia, OutputBits = (byte)ips,
            StartLevel = (sbyte)PageTableWalker.StartLevel(g, ia), Enabled = true, HierarchicalDisabled = had,
            AccessFlagFaultDisabled = affd, TopByteIgnore = tbi,
        };
    }
}
