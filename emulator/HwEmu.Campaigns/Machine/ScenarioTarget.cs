using HwEmu.Devices.Gic;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Campaigns;

/// <summary>
/// Phase 2 target: the scenario's own machine (<see cref="MachineBuilder"/>: hardware, Linux host set-up, device
/// models and workloads, as <c>hwemu run</c> runs it), observed through <see cref="IRunObserver"/>. The fault is
/// applied at a simulated time (an event on the machine's simulator) or at the Nth DMA / MSI (from the observer
/// callback). Structures are located the way the hardware finds them: STE from SMMU_STRTAB_BASE(_CFG), CD from the
/// STE, PTEs by walking the CD's TTB0, DTE/ITE from GITS_BASER0 and the DTE. DMAs are matched by (requester, n-th
/// DMA of that requester); payloads are not visible to the observer, so only addresses and status are compared.
/// </summary>
public sealed class ScenarioTarget : IRunObserver, IGicObserver, IEventHandler
{
    private readonly ScenarioMachine _m;
    private readonly FaultPlan? _fault;
    private readonly RunObservation _obs;
    private readonly IGicObserver? _gicInner;
    private readonly Dictionary<ulong, (int Index, ulong IssuePs)> _open = new();
    private readonly Dictionary<ulong, (ushort Rid, int Seq)> _txKey = new();
    private readonly Dictionary<ushort, int> _perRequester = new();
    private readonly Dictionary<ushort, uint> _streamOf = new();
    private readonly Dictionary<ushort, uint> _deviceIdOf = new();
    private long _dmaCount, _msiCount;
    private int _writer = -1;
    private bool _fired;

    private ScenarioTarget(Scenario scenario, bool allowUnsafeInterrupts, FaultPlan? fault, RunObservation observation)
    {
        _fault = fault;
        _obs = observation;
        _m = MachineBuilder.Build(scenario, allowUnsafeInterrupts ? new HostSetupOptions { AllowUnsafeInterrupts = true } : null, this);
        var gic = _m.Hardware.Gic;
        _gicInner = gic.Observer;
        gic.Observer = this;
        _rids = new ushort[_m.Devices.Count];
        for (int i = 0; i < _rids.Length; i++)
            _rids[i] = HwEmu.Devices.Pcie.PciBdf.TryParse(_m.Devices[i].Endpoint.Bdf, out var bdf) ? bdf.Rid : (ushort)0;
        if (_m.Hardware.V2m is { } v2m) EnableFrameSpis(v2m, gic);
        if (fault is { Trigger: TriggerKind.Time } f) _m.Simulator.ScheduleAt((ulong)f.At * 1000, this, 0);
    }

    private readonly ushort[] _rids;

    /// <summary>
    /// Makes sure the v2m frame's SPIs can reach a CPU, doing what gic-v3's irq_enable / irq_set_affinity would
    /// (GICD_CTLR.EnableGrp1NS, GICD_ISENABLER, GICD_IROUTER) for any SPI the host's set-up left disabled, in the
    /// golden and faulty runs alike. What the host already enabled and routed is left as it is.
    /// </summary>
    private static void EnableFrameSpis(GicV2mFrame frame, Gicv3 gic)
    {
        ulong d = gic.Config.DistributorBase;
        gic.Bus.Read(d, 4, out ulong ctlr, BusAttributes.Cpu);
        if ((ctlr & 2) == 0) gic.Bus.Write(d, 4, ctlr | 2, BusAttributes.Cpu);
        for (uint intId = frame.FirstSpi; intId < frame.FirstSpi + frame.SpiCount; intId++)
        {
            ulong isenabler = d + 0x100 + intId / 32 * 4;
            gic.Bus.Read(isenabler, 4, out ulong enabled, BusAttributes.Cpu);
            if ((enabled >> (int)(intId % 32) & 1) != 0) continue;
            gic.Bus.Write(isenabler, 4, 1UL << (int)(intId % 32), BusAttributes.Cpu);
            gic.Bus.Write(d + 0x6100 + (intId - 32) * 8, 8, (ulong)(intId % (uint)gic.Config.Cpus), BusAttributes.Cpu);
        }
    }

    /// <summary>
    /// Runs <paramref name="machine"/>'s scenario with an optional fault; its <see cref="MachineSpec.HangBoundNs"/>
    /// bounds a DMA's life.
    /// </summary>
    public static void Run(MachineSpec machine, FaultPlan? fault, RunObservation observation)
    {
        ulong hangBoundNs = machine.HangBoundNs;
        var t = new ScenarioTarget(machine.Scenario!, machine.AllowUnsafeInterrupts, fault, observation);
        t._m.Run();
        ulong end = t._m.Simulator.Now;
        foreach (var (_, (index, issue)) in t._open)
        {
            if (issue + hangBoundNs * 1000 < end)
            {
                observation.Hang = true;
                observation.HangTimePs = Math.Min(observation.HangTimePs == 0 ? ulong.MaxValue : observation.HangTimePs, issue + hangBoundNs * 1000);
            }
        }
        observation.StepsCompleted = (int)Math.Min(int.MaxValue, t._dmaCount);
        observation.MatchByAddress = true;
        observation.CompareUntilPs = end - Math.Min(end, hangBoundNs * 1000);
    }

    // ------------------------------------------------------------------ fault application

    /// <inheritdoc/>
    public void OnEvent(ulong payload) => Apply();

    private void Apply()
    {
        if (_fired || _fault is not { } f) return;
        ulong now = _m.Simulator.Now;
        ushort rid = _rids[f.Device % _rids.Length];
        if (!_streamOf.TryGetValue(rid, out uint sid)) return; // the device has not issued anything yet: no StreamID seen
        var hw = _m.Hardware;
        switch (f.Model)
        {
            case FaultModel.BitFlip or FaultModel.StuckAt0 or FaultModel.StuckAt1:
            {
                var (address, width) = Locate(f.Structure, sid, rid, f);
                if (address == 0) return;
                int bit = (int)((f.Bit >= 0 ? (ulong)f.Bit : f.Salt) % (ulong)width);
                ulong byteAddress = address + (ulong)(bit / 8);
                byte mask = (byte)(1 << (bit % 8)), old = hw.Memory.Read8(byteAddress);
                byte v = f.Model switch { FaultModel.BitFlip => (byte)(old ^ mask), FaultModel.StuckAt1 => (byte)(old | mask), _ => (byte)(old & ~mask) };
                hw.Memory.Write8(byteAddress, v);
                break;
            }
            case FaultModel.TlbCorrupt:
            {
                var tlb = hw.Smmu.Tlb;
                int valid = 0;
                for (int i = 0; i < tlb.Capacity; i++) if (tlb[i].Valid) valid++;
                if (valid == 0) return;
                int pick = (int)(f.Salt % (ulong)valid);
                for (int i = 0; i < tlb.Capacity; i++)
                {
                    if (!tlb[i].Valid || pick-- != 0) continue;
                    var e = tlb[i];
                    e.PaBase ^= 1UL << (12 + (int)((f.Bit >= 0 ? (ulong)f.Bit : f.Salt >> 8) % 28));
                    tlb.Overwrite(i, e);
                    break;
                }
                break;
            }
            case FaultModel.RogueMsi:
            {
                var attacker = DeviceOf(rid);
                var victim = _m.Devices[f.Other % _m.Devices.Count];
                if (attacker is null || attacker.Binding.Vectors.Count == 0 || victim.Binding.Vectors.Count == 0) return;
                var own = attacker.Binding.Vectors[0];
                uint data = f.Value >= 0 ? (uint)f.Value : victim.Binding.Vectors[f.Index % victim.Binding.Vectors.Count].Data;
                Inject(rid, sid, own.Address, data, now);
                break;
            }
            case FaultModel.DmaOutside:
            {
                var dev = DeviceOf(rid);
                ulong target = f.Region switch
                {
                    OutsideRegion.MsiWindow when dev is { Binding.Vectors.Count: > 0 } => dev.Binding.Vectors[0].Address & ~0xFFFUL | (ulong)(f.Offset >= 0 ? f.Offset & 0xFFC : (long)(dev.Binding.Vectors[0].Address & 0xFFF)),
                    OutsideRegion.PeerBar => PeerBar(f.Other) + (ulong)(f.Offset >= 0 ? f.Offset & 0xFFFC : 0),
                    _ => 0x7000_0000UL + (f.Salt >> 32) % 0x100 * 0x1000,
                };
                Inject(rid, sid, target, f.Value >= 0 ? (uint)f.Value : (uint)f.Salt, now);
                break;
            }
            case FaultModel.DuplicateMsi:
                _duplicateArmed = rid; // fires on the device's next MSI write (OnMsiWrite)
                return;
            default:
                return;
        }
        _fired = true;
        _obs.InjectedPs = now;
    }

    private int _duplicateArmed = -1;

    private EndpointModel? DeviceOf(ushort rid)
    {
        int i = Array.IndexOf(_rids, rid);
        return i >= 0 ? _m.Devices[i] : null;
    }

    /// <summary>
    /// The requester that owns <paramref name="intId"/>: with an ITS, the writer itself (the ITS translated with the
    /// writer's DeviceID, so the LPI comes from the writer's own ITT); with GICv2m, the device whose MSI-X vectors
    /// carry that SPI number.
    /// </summary>
    private int OwnerOf(uint intId, RunInterruptSource source)
    {
        if (source == RunInterruptSource.Its) return _writer;
        for (int i = 0; i < _m.Devices.Count; i++)
            foreach (var (_, data) in _m.Devices[i].Binding.Vectors)
                if (data == intId) return _rids[i];
        return -1;
    }

    private ulong PeerBar(int peer)
    {
        var eps = _m.Hardware.Scenario.Topology.Endpoints;
        var bars = eps[peer % eps.Count].Bars;
        return bars.Count > 0 ? bars[0].Address : 0;
    }

    /// <summary>A functional (untimed) 4-byte write from <paramref name="rid"/> through the SMMU to whatever it maps to.</summary>
    private void Inject(ushort rid, uint sid, ulong iova, uint data, ulong now)
    {
        var hw = _m.Hardware;
        int seq = _perRequester.GetValueOrDefault(rid);
        var tx = new SmmuTransaction { StreamId = sid, Address = iova, Size = 4, Write = true };
        hw.Smmu.Translate(tx, out var r);
        if (!r.Succeeded)
        {
            _obs.Dma.Add(new DmaObservation(seq, rid, 1, true, iova, 0, 0, DmaStatus.SmmuAbort, now));
            if (r.EventRecorded) _obs.Detections.Add(new Detection(DetectionKind.SmmuEvent, (uint)r.Event.Type, now));
            return;
        }
        if (hw.Its != null) hw.Its.CurrentTimePs = now;
        if (hw.V2m != null) hw.V2m.CurrentTimePs = now;
        _writer = rid;
        var st = hw.Bus.Write(r.OutputAddress, 4, data, new BusAttributes(RequesterId: rid, DeviceId: _deviceIdOf.GetValueOrDefault(rid, sid)));
        _writer = -1;
        if (hw.Bus.IsRam(r.OutputAddress, 4) || st != BusStatus.Ok)
            _obs.Dma.Add(new DmaObservation(seq, rid, 1, true, iova, r.OutputAddress, data, st == BusStatus.Ok ? DmaStatus.Ok : DmaStatus.CompletionError, now));
    }

    /// <summary>Address and width in bits of the structure for <paramref name="sid"/>, read as the hardware reads it (0 if absent).</summary>
    private (ulong Address, int Width) Locate(StructureKind kind, uint sid, ushort rid, FaultPlan f)
    {
        var hw = _m.Hardware;
        var mem = hw.Memory;
        var regs = hw.Smmu.Registers;
        switch (kind)
        {
            case StructureKind.Ste or StructureKind.Cd or StructureKind.Pte:
            {
                ulong ste = SteAddress(regs[SmmuRegister.StrtabBase], regs[SmmuRegister.StrtabBaseCfg], sid);
                if (ste == 0) return (0, 0);
                if (kind == StructureKind.Ste) return (ste, 512);
                // STE.S1ContextPtr[51:6] (IHI 0070 §5.2); the scenario host uses one CD per stream (S1CDMax 0).
                ulong cd = mem.Read64(ste) & 0x000f_ffff_ffff_ffc0UL;
                if (cd == 0) return (0, 0);
                if (kind == StructureKind.Cd) return (cd, 512);
                ulong ttb = mem.Read64(cd + 8) & 0x000f_ffff_ffff_fff0UL;
                int t0sz = (int)(mem.Read64(cd) & 0x3f);
                ulong iova = _lastIova.GetValueOrDefault(rid);
                return (WalkTo(ttb, t0sz, iova, Math.Clamp(f.Index, 0, 3)), 64);
            }
            case StructureKind.Dte or StructureKind.Ite or StructureKind.Cte when hw.Its != null:
            {
                var fmt = hw.Its.Config.TableFormat;
                uint devId = _deviceIdOf.GetValueOrDefault(rid, sid);
                var table = hw.Its.DeviceTable;
                if (!table.Valid) return (0, 0);
                ulong dte;
                if (table.Indirect)
                {
                    // Two-level: a 64-bit L1 entry per page of DTEs, Valid = bit 63 (IHI 0069 §12.19.1).
                    ulong perPage = (ulong)table.PageSize / (ulong)fmt.DteSize;
                    ulong l1 = mem.Read64(table.Base + devId / perPage * 8);
                    if ((l1 >> 63) == 0) return (0, 0);
                    dte = (l1 & 0x000f_ffff_ffff_f000UL & ~((ulong)table.PageSize - 1)) + devId % perPage * (ulong)fmt.DteSize;
                }
                else dte = table.Base + devId * (ulong)fmt.DteSize;
                if (kind == StructureKind.Dte) return (dte, fmt.DteSize * 8);
                Span<byte> b = stackalloc byte[16];
                mem.Read(dte, b[..fmt.DteSize]);
                var d = fmt.DecodeDte(b[..fmt.DteSize]);
                if (kind == StructureKind.Ite) return d.Valid ? (d.IttAddress + (ulong)(f.Index % 4) * (ulong)fmt.IteSize, fmt.IteSize * 8) : (0, 0);
                var ct = hw.Its.CollectionTable;
                return ct.Valid && !ct.Indirect ? (ct.Base, fmt.CteSize * 8) : (0, 0);
            }
        }
        return (0, 0);
    }

    private ulong SteAddress(ulong strtabBase, ulong cfg, uint sid)
    {
        var mem = _m.Hardware.Memory;
        ulong b = strtabBase & 0x000f_ffff_ffff_ffc0UL;
        int log2 = (int)(cfg & 0x3f), fmt = (int)(cfg >> 16) & 3, split = (int)(cfg >> 6) & 0x1f;
        if (sid >> log2 != 0) return 0;
        if (fmt == 0) return b + sid * 64UL;
        // 2-level: L1 descriptor at index SID[n:split], L2Ptr[51:6], Span[4:0] (IHI 0070 §3.3.2).
        ulong l1 = mem.Read64(b + (sid >> split) * 8UL);
        int span = (int)(l1 & 0x1f);
        ulong l2 = l1 & 0x000f_ffff_ffff_ffc0UL;
        uint low = sid & ((1u << split) - 1);
        return span == 0 || l2 == 0 || low >> (span - 1) != 0 ? 0 : l2 + low * 64UL;
    }

    private ulong WalkTo(ulong ttb, int t0sz, ulong iova, int level)
    {
        // 4 KiB granule: levels start at 4 - ceil((64 - t0sz - 12) / 9).
        int ia = 64 - t0sz, start = 4 - (ia - 12 + 8) / 9;
        var mem = _m.Hardware.Memory;
        ulong table = ttb & ~0xFFFUL;
        for (int l = Math.Max(start, 0); ; l++)
        {
            int shift = 12 + 9 * (3 - l);
            ulong da = table + ((iova >> shift) & 511) * 8;
            if (l >= level) return da;
            ulong d = mem.Read64(da);
            if ((d & 3) != 3) return da; // the walk ends here: hit the descriptor that ends it
            table = d & 0x0000_ffff_ffff_f000UL;
        }
    }

    private readonly Dictionary<ushort, ulong> _lastIova = new();

    // ------------------------------------------------------------------ IRunObserver

    /// <inheritdoc/>
    public void OnHostMemoryWrite(ulong timePs, ulong address, ReadOnlySpan<byte> data, HostStructure structure) { }

    /// <inheritdoc/>
    public void OnRegisterWrite(ulong timePs, ushort component, ulong address, int size, ulong value) { }

    /// <inheritdoc/>
    public void OnSmmuCommand(ulong timePs, uint consumerIndex, ulong dword0, ulong dword1, byte error)
    {
        if (error != 0) _obs.Detections.Add(new Detection(DetectionKind.SmmuGerror, error, timePs));
    }

    /// <inheritdoc/>
    public void OnItsCommand(ulong timePs, uint queueOffset, ulong dword0, ulong dword1, ulong dword2, ulong dword3, uint error)
    {
        if (error != 0) _obs.Detections.Add(new Detection(DetectionKind.ItsCommandError, error, timePs));
    }

    /// <inheritdoc/>
    public void OnDmaIssued(in RunDma dma)
    {
        ushort rid = dma.RequesterId;
        _streamOf.TryAdd(rid, dma.StreamId);
        int seq = _perRequester.GetValueOrDefault(rid);
        _perRequester[rid] = seq + 1;
        _txKey[dma.TransactionId] = (rid, seq);
        _lastIova[rid] = dma.Address;
        _open[dma.TransactionId] = (_obs.Dma.Count, dma.TimePs);
        _obs.Dma.Add(new DmaObservation(seq, rid, 0, dma.Write, dma.Address, 0, 0, DmaStatus.Ok, dma.TimePs));
        if (_fault is { Trigger: TriggerKind.Nth, Of: TriggerEvent.Dma } f && _dmaCount == f.At) Apply();
        _dmaCount++;
    }

    /// <inheritdoc/>
    public void OnTranslation(ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result)
    {
        if (!_open.TryGetValue(transactionId, out var o)) return;
        var d = _obs.Dma[o.Index];
        _obs.Dma[o.Index] = result.Succeeded ? d with { Pa = result.OutputAddress, TimePs = timePs } : d with { Status = DmaStatus.SmmuAbort, TimePs = timePs };
        if (result.EventRecorded) _obs.Detections.Add(new Detection(DetectionKind.SmmuEvent, (uint)result.Event.Type, timePs));
    }

    /// <inheritdoc/>
    public void OnDmaCompleted(ulong timePs, ulong transactionId, bool error)
    {
        if (!_open.Remove(transactionId, out var o)) return;
        var d = _obs.Dma[o.Index];
        if (error && d.Status == DmaStatus.Ok) _obs.Dma[o.Index] = d with { Status = DmaStatus.CompletionError };
    }

    /// <inheritdoc/>
    public void OnMsiWrite(ulong timePs, ushort requesterId, uint deviceId, ulong doorbellAddress, uint data)
    {
        _deviceIdOf[requesterId] = deviceId;
        _writer = requesterId;
        if (_fault is { Trigger: TriggerKind.Nth, Of: TriggerEvent.Msi } f && _msiCount == f.At) Apply();
        _msiCount++;
        if (_duplicateArmed == requesterId && !_fired)
        {
            // The same MSI twice: the copy goes first, the machine's own write follows this callback.
            _fired = true;
            _obs.InjectedPs = timePs;
            _m.Hardware.Bus.Write(doorbellAddress, 4, data, new BusAttributes(requesterId, deviceId));
            _writer = requesterId;
        }
    }

    /// <inheritdoc/>
    public void OnInterruptDelivered(ulong timePs, uint intId, int cpu, RunInterruptSource source, uint deviceId, uint eventId)
    {
        // Step 0 for all: interrupts are compared as one multiset per run; the owner is resolved by the classifier's
        // golden comparison (the writer of that INTID in the golden run).
        _obs.Interrupts.Add(new InterruptObservation(0, _writer, intId, cpu, OwnerOf(intId, source), timePs));
    }

    /// <inheritdoc/>
    public void OnPeerToPeer(ulong timePs, ulong transactionId, ushort requesterId, ulong address, int peerEndpoint)
    {
        if (!_open.TryGetValue(transactionId, out var o)) return;
        _obs.Dma[o.Index] = _obs.Dma[o.Index] with { Pa = address, TimePs = timePs };
    }

    // ------------------------------------------------------------------ GIC tap (ITS drops are detections)

    void IGicObserver.OnItsCommand(GicV3Its its, in ItsCommandRecord record) => _gicInner?.OnItsCommand(its, record);

    void IGicObserver.OnMsiTranslated(GicV3Its its, in MsiTranslation translation)
    {
        if (translation.Dropped) _obs.Detections.Add(new Detection(DetectionKind.ItsDrop, (uint)translation.Result, translation.DoorbellPs));
        _gicInner?.OnMsiTranslated(its, translation);
    }

    void IGicObserver.OnInterruptDelivered(in GicDelivery delivery) => _gicInner?.OnInterruptDelivered(delivery);
}
