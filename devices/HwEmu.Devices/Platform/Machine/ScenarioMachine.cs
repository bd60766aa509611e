using System.Runtime.CompilerServices;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Pcie;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// A scenario machine ready to run: the hardware, the host's set-up already done, the device models and their
/// workloads, scheduled on one <see cref="Simulator"/>. The path of a DMA read, following one transaction slot:
/// <see cref="StartTransaction"/> (endpoint books its request TLPs on the link and the fabric routes it) →
/// <see cref="ArriveAtRootComplex"/> (peer-to-peer, MSI bypass or SMMU timed translation) →
/// <see cref="Translated"/> (DRAM access or doorbell write) → <see cref="Completed"/> (completions back over the
/// link; the operation's next step, its interrupt, the next operation). Transactions live in a pooled array of
/// structs and events carry (stage, slot) in their payload, so a run allocates nothing per transaction.
/// </summary>
public sealed class ScenarioMachine : IEventHandler, IGicObserver
{
    private const int StageShift = 56;
    private const ulong StageArrive = 1, StageTranslated = 2, StageDone = 3, StageOpenLoop = 4, StageSample = 5;
    private const ulong SlotMask = (1UL << StageShift) - 1;

    private struct Tx
    {
        public ulong Id;
        public ulong IssuePs;
        public ulong OpIssuePs;
        public ulong Address;
        public ulong Pa;
        public ulong OpAddress;
        public FabricRoute Route;
        public int Device;
        public int Generator;
        public int Size;
        public int OpSize;
        public int Tag;
        public int Queue;
        public int QueueSlot;
        public uint MsiData;
        public TransactionKind Kind;
        public bool Write;
        public bool OpWrite;
        public bool Failed;
        public bool Peer;
        public bool ErrorCompletionSent;
        public bool Mapped;
    }

    private readonly Simulator _sim;
    private readonly MachineHardware _hw;
    private readonly SmmuV3 _smmu;
    private readonly SystemBus _bus;
    private readonly RootComplex _fabric;
    private readonly Emulator.Memory.MemoryTimingModel _dram;
    private readonly EndpointModel[] _devices;
    private readonly RunResults _results;
    private readonly TranslationCounters _xc;
    private readonly IRunObserver? _observer;
    private readonly ulong _durationPs;
    private readonly long _transactionLimit;
    private Tx[] _tx = new Tx[256];
    private int[] _free = new int[256];
    private int _freeCount;
    private int _used;
    private int _inFlight;
    private ulong _nextId;
    private bool _stopping;
    // The MSI being written right now (the GIC reports its delivery synchronously from the doorbell write).
    private ulong _msiIssuePs;
    private uint _msiDeviceId;
    private uint _msiData;
    private RunInterruptSource _msiSource;
    // Running totals for the time series.
    private long _bytes, _dataTransactions, _lastBytes, _lastTransactions, _lastTlbHits, _lastTlbLookups;
    private long _stopAt = long.MaxValue;
    private InterruptResults? _lastIrq;
    private long _dataAttempts; // data transfers completed, failed ones included (the run.transactions limit)
    private static readonly string[] FaultNames = BuildFaultNames();
    private static readonly string[] ItsDropNames = BuildItsDropNames();

    internal ScenarioMachine(MachineHardware hardware, Simulator simulator, IRunObserver? observer, IReadOnlyList<DeviceBinding> bindings)
    {
        _hw = hardware;
        _sim = simulator;
        _smmu = hardware.Smmu;
        _bus = hardware.Bus;
        _fabric = hardware.Fabric;
        _dram = hardware.DramTiming;
        _observer = observer;
        Scenario s = hardware.Scenario;
        _results = new RunResults(s.Name, s.Seed, s.Platform.Smmu.ClockHz) { SampleIntervalPs = s.Run.SampleIntervalPs };
        _xc = _results.Translation;
        _durationPs = s.Run.DurationPs;
        _transactionLimit = s.Run.Transactions;
        _devices = new EndpointModel[s.Devices.Count];
        for (int i = 0; i < _devices.Length; i++)
        {
            DeviceSpec d = s.Devices[i];
            string epName = string.IsNullOrEmpty(d.Endpoint) ? d.Name : d.Endpoint;
            int ep = hardware.EndpointIndex(epName);
            EndpointSpec eps = s.Topology.Endpoints[ep];
            _devices[i] = new EndpointModel(this, i, d, eps, hardware.EndpointNodes[ep], hardware.Links[ep], bindings[i], _results.Device(d.Name, eps.Bdf));
        }
        foreach (WorkloadSpec w in s.Workloads)
        {
            EndpointModel dev = _devices[DeviceIndex(s, w.Device)];
            DeviceBinding b = dev.Binding;
            bool peer = !string.IsNullOrEmpty(w.Target);
            ulong baseAddress = b.DataBase, size = b.DataSize;
            if (peer)
            {
                EndpointSpec target = s.Topology.Endpoints[hardware.EndpointIndex(TargetEndpoint(s, w.Target))];
                baseAddress = target.Bars[0].Address;
                size = target.Bars[0].Size;
            }
            ulong ws = Math.Max(w.TransferSize, Math.Min(w.WorkingSet, size));
            var cfg = new DmaStreamConfig(baseAddress, ws, w.TransferSize, w.ReadFraction, (DmaPattern)(byte)w.Pattern, w.Rate, w.QueueDepth,
                w.Pattern == AccessPattern.Zipf ? w.ZipfTheta : 0.99);
            dev.Generators.Add(new DmaStreamGenerator(cfg, simulator.CreateRandom(w.Name)));
            dev.PeerTargets.Add(peer);
        }
        hardware.Gic.Observer = this; // the SMMU's observer (commands) is MachineBuilder's bridge when recording
    }

    /// <summary>The hardware.</summary>
    public MachineHardware Hardware => _hw;
    /// <summary>Fault-injection hooks in the transaction flow (none by default).</summary>
    public IRunFaultHooks? FaultHooks { get; set; }
    /// <summary>The host software's set-up (groups, domains, VFIO container), when the machine was built with one.</summary>
    public HostSetup? Host { get; init; }
    /// <summary>The simulator the machine is scheduled on.</summary>
    public Simulator Simulator => _sim;
    /// <summary>What the run measured so far.</summary>
    public RunResults Results => _results;
    /// <summary>The device models, in scenario order.</summary>
    public IReadOnlyList<EndpointModel> Devices => _devices;
    /// <summary>DMA transactions completed (data, rings, PRP lists and MSIs).</summary>
    public long Transactions { get; private set; }
    /// <summary>Transactions in flight now.</summary>
    public int InFlight => _inFlight;
    /// <summary>Simulated run length from the scenario (0 = limited by transactions only).</summary>
    public ulong DurationPs => _durationPs;

    /// <summary>Schedules the first operations of every workload and the sampler. Call once before running.</summary>
    public void Start()
    {
        for (int d = 0; d < _devices.Length; d++)
        {
            EndpointModel dev = _devices[d];
            for (int g = 0; g < dev.Generators.Count; g++)
            {
                DmaStreamGenerator gen = dev.Generators[g];
                if (gen.OpenLoop) _sim.ScheduleAt(gen.NextIssueTime(_sim.Now), this, Payload(StageOpenLoop, (ulong)d << 16 | (uint)g));
                else while (gen.CanIssue) StartOperation(d, g);
            }
        }
        if (_results.SampleIntervalPs > 0) _sim.Schedule(_results.SampleIntervalPs, this, Payload(StageSample, 0), priority: 1);
    }

    /// <summary>
    /// Runs to the scenario's end (duration or transaction limit) in slices, calling <paramref name="onSlice"/>
    /// between them (progress reporting), then finalises <see cref="Results"/>.
    /// </summary>
    public RunResults Run(Action? onSlice = null)
    {
        Start();
        ulong end = _durationPs == 0 ? ulong.MaxValue : _durationPs;
        ulong slice = _durationPs == 0 ? 1_000_000_000UL : Math.Max(1, _durationPs / 256);
        while (!_stopping && _sim.Now < end)
        {
            RunResult r = _sim.RunUntil(Math.Min(end, _sim.Now + slice));
            onSlice?.Invoke();
            if (r.Reason == StopReason.StopRequested) break;
            // Nothing in flight and nothing to start (e.g. every DMA mapping failed): only the sampler is left.
            if (_inFlight == 0 && !AnyOpenLoop()) break;
        }
        return Finish();
    }

    /// <summary>
    /// Runs (after <see cref="Start"/>) until at least <paramref name="transactions"/> more DMA transactions have
    /// completed, ignoring the scenario's end; returns how many completed. For benchmarks and long soak runs.
    /// </summary>
    public long RunTransactions(long transactions)
    {
        long start = Transactions;
        _stopAt = start + transactions;
        try
        {
            while (Transactions < _stopAt && _sim.PendingEvents > 0) _sim.RunUntilIdle();
        }
        finally
        {
            _stopAt = long.MaxValue;
        }
        return Transactions - start;
    }

    private bool AnyOpenLoop()
    {
        foreach (EndpointModel d in _devices)
            foreach (DmaStreamGenerator g in d.Generators) if (g.OpenLoop) return true;
        return false;
    }

    /// <summary>Copies the fabric counters into <see cref="Results"/> and sets the simulated time.</summary>
    public RunResults Finish()
    {
        _results.SimulatedPs = _sim.Now;
        _results.P2pBypasses = _fabric.PeerToPeerCount;
        _results.MsiBypasses = _fabric.MsiBypassCount;
        if (Host is not null) _results.Translation.Invalidations = Host.TlbInvalidations;
        return _results;
    }

    // ------------------------------------------------------------------ operations

    private void StartOperation(int device, int generator)
    {
        EndpointModel dev = _devices[device];
        DmaStreamGenerator gen = dev.Generators[generator];
        if (!gen.TryNext(_sim.Now, out DmaRequest req)) return;
        int slot = Allocate();
        ref Tx t = ref _tx[slot];
        t.Device = device;
        t.Generator = generator;
        t.OpIssuePs = _sim.Now;
        t.OpAddress = req.Address;
        t.OpSize = req.Size;
        t.OpWrite = dev.Spec.Kind == DeviceKind.Nic || req.Write; // a NIC receives: it writes host memory
        t.Peer = dev.PeerTargets[generator];
        t.Mapped = false;
        if (dev.Binding.Streaming is { } dma && !t.Peer)
        {
            // The driver maps the I/O buffer before it tells the device (dma_map_page).
            if (!dma.TryMap(req.Address, req.Size, t.OpWrite, out ulong deviceAddress))
            {
                _results.CountFault("DMA_MAP_ENOMEM");
                Release(slot);
                gen.Complete();
                return;
            }
            t.OpAddress = deviceAddress;
            t.Mapped = true;
            FaultHooks?.OnStreamingMap(_sim.Now, device, deviceAddress, req.Size);
        }
        t.Queue = dev.NextQueue();
        switch (dev.Spec.Kind)
        {
            case DeviceKind.Nvme when !t.Peer:
                Step(ref t, TransactionKind.SqeFetch, dev.NextSqe(t.Queue, out t.QueueSlot), EndpointModel.SqeBytes, false);
                break;
            case DeviceKind.Nic when !t.Peer:
                Step(ref t, TransactionKind.DescriptorFetch, dev.NextRxDescriptor(t.Queue), EndpointModel.RxDescriptorBytes, false);
                break;
            default:
                Step(ref t, TransactionKind.Data, t.OpAddress, t.OpSize, t.OpWrite);
                break;
        }
        StartTransaction(slot);
    }

    private static void Step(ref Tx t, TransactionKind kind, ulong address, int size, bool write)
    {
        t.Kind = kind;
        t.Address = address;
        t.Size = size;
        t.Write = write;
        t.Failed = false;
        t.ErrorCompletionSent = false;
    }

    /// <summary>Sends an MSI write from <paramref name="dev"/> (called by its MSI-X table or MSI capability).</summary>
    internal void SendMsi(EndpointModel dev, ulong address, uint data)
    {
        int slot = Allocate();
        ref Tx t = ref _tx[slot];
        t.Device = dev.Index;
        t.Generator = -1;
        t.OpIssuePs = _sim.Now;
        t.MsiData = data;
        Step(ref t, TransactionKind.Msi, address, 4, true);
        StartTransaction(slot);
    }

    // Next step of an operation after transaction kind t.Kind completed; false when the operation is over.
    private bool NextStep(ref Tx t, EndpointModel dev)
    {
        switch (t.Kind)
        {
            case TransactionKind.SqeFetch:
                int pages = PageSpan(t.OpAddress, t.OpSize);
                // NVMe §4.3: PRP2 points to a PRP list when the transfer spans more than two memory pages.
                if (pages > 2) Step(ref t, TransactionKind.PrpListFetch, dev.PrpList(t.Queue, t.QueueSlot), 8 * (pages - 1), false);
                else Step(ref t, TransactionKind.Data, t.OpAddress, t.OpSize, t.OpWrite);
                return true;
            case TransactionKind.PrpListFetch:
            case TransactionKind.DescriptorFetch:
                Step(ref t, TransactionKind.Data, t.OpAddress, t.OpSize, t.OpWrite);
                return true;
            case TransactionKind.Data when dev.Spec.Kind == DeviceKind.Nvme && !t.Peer:
                Step(ref t, TransactionKind.CqeWrite, dev.NextCqe(t.Queue), EndpointModel.CqeBytes, true);
                return true;
            case TransactionKind.Data when dev.Spec.Kind == DeviceKind.Nic && !t.Peer:
                // Write-back goes to the descriptor just fetched (legacy RX descriptor status update).
                Step(ref t, TransactionKind.DescriptorWriteBack, t.Address, EndpointModel.RxDescriptorBytes, true);
                return true;
            default:
                return false;
        }
    }

    private static int PageSpan(ulong address, int size) => (int)(((address + (ulong)size - 1) >> 12) - (address >> 12) + 1);

    // ------------------------------------------------------------------ transaction flow

    private void StartTransaction(int slot)
    {
        ref Tx t = ref _tx[slot];
        EndpointModel dev = _devices[t.Device];
        ulong now = _sim.Now;
        t.Id = _nextId++;
        t.IssuePs = now;
        t.Route = _fabric.Route(dev.FabricNode, t.Address, t.Write);
        if (t.Route.Kind == FabricRouteKind.PeerToPeer) dev.Results.P2pBypasses++; // counted where the fabric counts it
        ulong arrive;
        if (t.Write) arrive = dev.Link.PostedWrite(now, t.Address, t.Size);
        else arrive = dev.Link.ReadRequest(now, t.Address, t.Size, out t.Tag);
        _inFlight++;
        _observer?.OnDmaIssued(new RunDma(now, t.Id, t.Route.RequesterId, t.Route.StreamId, 0, false, t.Address, (uint)t.Size, t.Write, false, false)
        {
            Device = t.Device, Kind = t.Kind, Route = (RunRoute)(byte)t.Route.Kind,
        });
        _sim.ScheduleAt(arrive, this, Payload(StageArrive, (ulong)slot));
    }

    private void ArriveAtRootComplex(int slot)
    {
        ref Tx t = ref _tx[slot];
        ulong now = _sim.Now;
        switch (t.Route.Kind)
        {
            case FabricRouteKind.PeerToPeer:
            {
                EndpointModel dev = _devices[t.Device];
                _observer?.OnPeerToPeer(now, t.Id, t.Route.RequesterId, t.Address, t.Route.Peer);
                // The switch forwards it down the peer's port; the peer answers after one link crossing each way.
                ulong hop = PeerHopPs(t.Route.Peer);
                t.Pa = t.Address;
                if (t.Write) _sim.ScheduleAt(now + hop, this, Payload(StageDone, (ulong)slot));
                else _sim.ScheduleAt(dev.Link.CompleteRead(now + 2 * hop, t.Address, t.Size, t.Tag), this, Payload(StageDone, (ulong)slot));
                return;
            }
            case FabricRouteKind.MsiBypass:
                t.Pa = t.Address;
                Translated(slot);
                return;
            case FabricRouteKind.NoStreamId:
                Fail(slot, now);
                return;
        }

        // Up to the SMMU: translate every page the transaction touches (a DMA never crosses a 4 KiB boundary in a
        // single TLP, but one transaction of several TLPs may span pages).
        var tx = new SmmuTransaction { StreamId = t.Route.StreamId, Address = t.Address, Size = (uint)t.Size, Write = t.Write };
        ulong done = now;
        ulong offset = 0, size = (ulong)t.Size;
        bool first = true;
        do
        {
            tx.Address = t.Address + offset;
            _smmu.Translate(tx, now, out TranslationResult r);
            Count(in r, now);
            if (_observer is not null) _observer.OnTranslation(now, r.CompletionTimePs, t.Id, tx, r);
            if (!r.Succeeded)
            {
                if (r.Event.Type != SmmuEventType.None) _results.CountFault(FaultNames[(int)r.Event.Type]);
                else _results.CountFault(r.Status == TranslationStatus.Abort ? "ABORT" : "FAULT");
                _sim.ScheduleAt(Math.Max(now, r.CompletionTimePs), this, Payload(StageDone, (ulong)slot));
                t.Failed = true;
                return;
            }
            if (first) { t.Pa = r.OutputAddress; first = false; }
            if (r.CompletionTimePs > done) done = r.CompletionTimePs;
            ulong page = r.PageSizeLog2 > 0 ? 1UL << r.PageSizeLog2 : 4096;
            ulong step = page - ((t.Address + offset) & (page - 1));
            offset += step;
        } while (offset < size);
        _sim.ScheduleAt(done, this, Payload(StageTranslated, (ulong)slot));
    }

    private void Translated(int slot)
    {
        ref Tx t = ref _tx[slot];
        ulong now = _sim.Now;
        if (t.Kind == TransactionKind.Msi || (t.Write && t.Size <= 8 && !_bus.IsRam(t.Pa, (ulong)t.Size)))
        {
            WriteDoorbell(ref t, now);
            _sim.ScheduleAt(now, this, Payload(StageDone, (ulong)slot));
            return;
        }
        if (!_bus.IsRam(t.Pa, (ulong)t.Size))
        {
            // No memory there: the root complex answers UR (reads) or drops the write.
            Fail(slot, now);
            return;
        }
        ulong done = _dram.Access(now, t.Size);
        if (FaultHooks is { } hooks)
        {
            done += hooks.ExtraMemoryLatencyPs(now);
            // UR / CA complete without data; a poisoned completion carries data the device refuses (it checks EP).
            if (!t.Write && hooks.ReadCompletion(now, t.Id, t.Route.RequesterId, t.Pa) != RunCompletionStatus.Success)
            {
                t.Failed = true;
                _sim.ScheduleAt(done, this, Payload(StageDone, (ulong)slot));
                return;
            }
        }
        if (!t.Write) done = _devices[t.Device].Link.CompleteRead(done, t.Address, t.Size, t.Tag);
        _sim.ScheduleAt(done, this, Payload(StageDone, (ulong)slot));
    }

    private void WriteDoorbell(ref Tx t, ulong now)
    {
        uint deviceId = t.Route.DeviceId == uint.MaxValue ? 0 : t.Route.DeviceId;
        _msiIssuePs = t.IssuePs;
        _msiDeviceId = deviceId;
        _msiData = t.MsiData;
        _msiSource = _hw.Its is not null ? RunInterruptSource.Its : RunInterruptSource.Gicv2m;
        if (_hw.Its is { } its) its.CurrentTimePs = now;
        if (_hw.V2m is { } v2m) v2m.CurrentTimePs = now;
        if (FaultHooks is { } hooks && !hooks.DeliverMsi(now, t.Route.RequesterId, t.Pa, t.MsiData)) return;
        _observer?.OnMsiWrite(now, t.Route.RequesterId, deviceId, t.Pa, t.MsiData);
        BusStatus st = _bus.Write(t.Pa, 4, t.MsiData, new BusAttributes(t.Route.RequesterId, deviceId));
        if (st != BusStatus.Ok) t.Failed = true;
    }

    private void Fail(int slot, ulong now)
    {
        ref Tx t = ref _tx[slot];
        t.Failed = true;
        _sim.ScheduleAt(now, this, Payload(StageDone, (ulong)slot));
    }

    private void Completed(int slot)
    {
        ref Tx t = ref _tx[slot];
        ulong now = _sim.Now;
        EndpointModel dev = _devices[t.Device];
        if (t.Failed && !t.Write && !t.ErrorCompletionSent)
        {
            // Error completion (UR/CA): one header-only completion goes back and frees the tag.
            t.ErrorCompletionSent = true;
            _sim.ScheduleAt(dev.Link.CompleteRead(now, t.Address, 0, t.Tag), this, Payload(StageDone, (ulong)slot));
            return;
        }
        _inFlight--;
        if (++Transactions >= _stopAt) _sim.RequestStop();
        if (t.Failed) dev.Results.Errors++;
        if (t.Kind == TransactionKind.Msi)
        {
            _observer?.OnDmaCompleted(new RunCompletion(now, t.Id, t.Device, t.Kind, t.Write, (uint)t.Size, now - t.IssuePs, t.Failed, false));
            Release(slot);
            return;
        }
        if (t.Kind == TransactionKind.Data) _dataAttempts++;
        if (t.Kind == TransactionKind.Data && !t.Failed)
        {
            dev.Results.RecordTransaction(t.Write, t.Size, now - t.IssuePs);
            _bytes += t.Size;
            _dataTransactions++;
        }
        if (_observer is null)
        {
            if (!t.Failed && NextStep(ref t, dev))
            {
                StartTransaction(slot);
                return;
            }
        }
        else
        {
            // The completion is reported before the operation's next step is issued, as the step changes the slot.
            var done = new RunCompletion(now, t.Id, t.Device, t.Kind, t.Write, (uint)t.Size, now - t.IssuePs, t.Failed, false);
            bool more = !t.Failed && NextStep(ref t, dev);
            _observer.OnDmaCompleted(done with { OperationCompleted = !done.Error && !more });
            if (more)
            {
                StartTransaction(slot);
                return;
            }
        }
        // The operation is over (or failed part-way, which the device reports as an error, not an I/O).
        if (!t.Failed) dev.Results.Operations++;
        if (t.Mapped) dev.Binding.Streaming!.Unmap(t.OpAddress, t.OpSize); // dma_unmap_page at completion
        int device = t.Device, generator = t.Generator, queue = t.Queue;
        Release(slot);
        DmaStreamGenerator gen = dev.Generators[generator];
        gen.Complete();
        dev.OperationCompleted(queue);
        if (_transactionLimit > 0 && _dataAttempts >= _transactionLimit)
        {
            _stopping = true;
            _sim.RequestStop();
            return;
        }
        if (!_stopping && !gen.OpenLoop) StartOperation(device, generator);
    }

    private ulong PeerHopPs(int peerNode)
    {
        for (int i = 0; i < _hw.EndpointNodes.Count; i++)
            if (_hw.EndpointNodes[i] == peerNode) return _hw.Links[i].Config.PropagationPs;
        return 0;
    }

    // ------------------------------------------------------------------ events

    /// <inheritdoc/>
    public void OnEvent(ulong payload)
    {
        int slot = (int)(payload & SlotMask);
        switch (payload >> StageShift)
        {
            case StageArrive: ArriveAtRootComplex(slot); break;
            case StageTranslated: Translated(slot); break;
            case StageDone: Completed(slot); break;
            case StageOpenLoop: OpenLoopIssue((int)(payload & SlotMask) >> 16, (int)(payload & 0xffff)); break;
            case StageSample: Sample(); break;
        }
    }

    private void OpenLoopIssue(int device, int generator)
    {
        if (_stopping) return;
        StartOperation(device, generator);
        DmaStreamGenerator gen = _devices[device].Generators[generator];
        ulong next = Math.Max(_sim.Now, gen.NextIssueTime(_sim.Now));
        _sim.ScheduleAt(next, this, Payload(StageOpenLoop, (ulong)device << 16 | (uint)generator));
    }

    private void Sample()
    {
        long lookups = _xc.TlbHits + _xc.TlbMisses;
        _results.AddSample(new TimeSample(_sim.Now, _bytes - _lastBytes, _dataTransactions - _lastTransactions,
            _xc.TlbHits - _lastTlbHits, lookups - _lastTlbLookups, _inFlight));
        _lastBytes = _bytes;
        _lastTransactions = _dataTransactions;
        _lastTlbHits = _xc.TlbHits;
        _lastTlbLookups = lookups;
        if (!_stopping) _sim.Schedule(_results.SampleIntervalPs, this, Payload(StageSample, 0), priority: 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Payload(ulong stage, ulong value) => stage << StageShift | value;

    // ------------------------------------------------------------------ statistics

    private void Count(in TranslationResult r, ulong now)
    {
        _xc.Translations++;
        switch (r.Source)
        {
            case TranslationSource.Tlb:
                _xc.TlbHits++;
                break;
            case TranslationSource.WalkCache:
                _xc.TlbMisses++;
                _xc.Walks++;
                _xc.WalkCacheHits++;
                _xc.WalkReads += r.DescriptorFetches;
                break;
            case TranslationSource.FullWalk:
                _xc.TlbMisses++;
                _xc.Walks++;
                _xc.WalkCacheMisses++;
                _xc.WalkReads += r.DescriptorFetches;
                break;
        }
        if (r.Source != TranslationSource.Gbpa)
        {
            if (r.ConfigCacheHit) _xc.ConfigCacheHits++;
            else _xc.ConfigCacheMisses++;
        }
        _results.TranslationLatency.Record(r.CompletionTimePs > now ? r.CompletionTimePs - now : 0);
    }

    // ------------------------------------------------------------------ slots

    private int Allocate()
    {
        if (_freeCount > 0) return _free[--_freeCount];
        if (_used == _tx.Length)
        {
            Array.Resize(ref _tx, _tx.Length * 2);
            Array.Resize(ref _free, _tx.Length);
        }
        return _used++;
    }

    private void Release(int slot) => _free[_freeCount++] = slot;

    // ------------------------------------------------------------------ observers

    /// <inheritdoc/>
    void IGicObserver.OnItsCommand(GicV3Its its, in Gic.ItsCommandRecord record)
    {
        if (_observer is null) return;
        ItsCommand c = record.Command;
        _observer.OnItsCommand(record.CompletePs, record.Offset, c.Dw0, c.Dw1, c.Dw2, c.Dw3, (uint)record.Error);
    }

    /// <inheritdoc/>
    void IGicObserver.OnMsiTranslated(GicV3Its its, in MsiTranslation translation)
    {
        if (translation.Dropped) _results.CountFault(ItsDropNames[(int)translation.Result]);
    }

    /// <inheritdoc/>
    void IGicObserver.OnInterruptDelivered(in GicDelivery delivery)
    {
        if (_lastIrq is null || _lastIrq.Intid != delivery.IntId || _lastIrq.Cpu != delivery.Cpu)
            _lastIrq = _results.Interrupt(delivery.IntId, delivery.Cpu);
        _lastIrq.DeliveryLatency.Record(delivery.SignalledPs - Math.Min(delivery.SignalledPs, _msiIssuePs));
        _observer?.OnInterruptDelivered(delivery.SignalledPs, delivery.IntId, delivery.Cpu, _msiSource,
            _msiSource == RunInterruptSource.Its ? _msiDeviceId : 0, _msiSource == RunInterruptSource.Its ? _msiData : 0);
    }

    private static int DeviceIndex(Scenario s, string name)
    {
        for (int i = 0; i < s.Devices.Count; i++) if (s.Devices[i].Name == name) return i;
        throw new ArgumentException($"no device {name}", nameof(name));
    }

    private static string TargetEndpoint(Scenario s, string device)
    {
        foreach (DeviceSpec d in s.Devices)
            if (d.Name == device) return string.IsNullOrEmpty(d.Endpoint) ? d.Name : d.Endpoint;
        return device;
    }

    private static string[] BuildFaultNames()
    {
        var names = new string[256];
        for (int i = 0; i < 256; i++) names[i] = "EVENT_0x" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        foreach (SmmuEventType t in Enum.GetValues<SmmuEventType>()) names[(int)t] = UpperSnake(t.ToString());
        return names;
    }

    private static string[] BuildItsDropNames()
    {
        var values = Enum.GetValues<ItsTranslationResult>();
        var names = new string[256];
        for (int i = 0; i < 256; i++) names[i] = "ITS_DROP_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (ItsTranslationResult v in values) names[(int)v] = "ITS_" + UpperSnake(v.ToString());
        return names;
    }

    /// <summary>FTranslation → F_TRANSLATION, CBadSte → C_BAD_STE (the spec's event names).</summary>
    internal static string UpperSnake(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) sb.Append('_');
            sb.Append(char.ToUpperInvariant(name[i]));
        }
        return sb.ToString();
    }
}
