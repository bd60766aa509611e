using System.Runtime.CompilerServices;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Devices.Gic;

/// <summary>
/// A GICv3 Interrupt Translation Service (IHI 0069 chapters 5–6, QEMU register map, reference §1.2–1.6). A 128 KiB
/// MMIO frame: the control page (GITS_CTLR, GITS_TYPER, the command queue registers GITS_CBASER/CWRITER/CREADR,
/// GITS_BASER&lt;n&gt;) and the translation page whose GITS_TRANSLATER (+0x10040) receives MSIs. The DeviceID of an
/// MSI is the bus side-band <see cref="BusAttributes.DeviceId"/>, never the data, which is the EventID: a device
/// can only raise the LPIs mapped for its own DeviceID. Commands and DTE/ITE/CTE tables live in guest memory and
/// are read through the bus. Parameter errors skip a command and are recorded; memory faults stall the queue
/// (GITS_CREADR.Stalled). Nothing throws on guest input.
/// </summary>
public sealed class GicV3Its : IMmioDevice
{
    /// <summary>Size of the ITS frame: control page + translation page.</summary>
    public const ulong FrameSize = 0x2_0000;
    /// <summary>Offset of GITS_TRANSLATER from the frame base.</summary>
    public const ulong TranslaterOffset = 0x1_0040;

    private const ulong CbaserMask = 0xB8EF_FFFF_FFFF_FCFFUL;
    private const ulong BaserReadOnlyFields = 0x001F_0000_0000_0000UL | 0x0700_0000_0000_0000UL; // Entry_Size, Type

    private readonly Gicv3 _gic;
    private readonly SystemBus _bus;
    private readonly IItsTableFormat _format;
    private readonly ClockDomain _clock;
    private readonly GicRegister _cbaser, _baser;
    private readonly ItsCache _deviceCache, _iteCache, _collectionCache;
    private readonly long[] _resultCounts = new long[(int)ItsTranslationResult.TableFault + 1];
    private readonly Dictionary<ItsCommandError, long> _errorCounts = [];
    private readonly ulong _translationPs, _hitPs, _commandPs;
    private ItsTable _deviceTable, _collectionTable;
    private bool _enabled;
    private ulong _cmdqBase;
    private uint _cmdqEntries, _cwriter, _creadr;
    private bool _stalled;
    private bool _processing;
    private readonly bool _indexedCollections;
    private readonly uint _icidLimit;

    /// <summary>Creates an ITS delivering to <paramref name="gic"/>; call <see cref="Attach"/> to map it.</summary>
    public GicV3Its(Gicv3 gic, ItsConfig? config = null, string name = "gicv3-its")
    {
        Config = config ?? new ItsConfig();
        Config.Validate();
        _gic = gic;
        _bus = gic.Bus;
        _format = Config.TableFormat;
        _indexedCollections = _format.CollectionTableIndexedByIcid;
        _icidLimit = 1U << Config.CollectionIdBits;
        Name = name;
        _clock = new ClockDomain(name, Config.ClockHz);
        _translationPs = _clock.Duration((ulong)Config.TranslationCycles);
        _hitPs = _clock.Duration((ulong)Config.CacheHitCycles);
        _commandPs = _clock.Duration((ulong)Config.CommandCycles);
        _deviceCache = new ItsCache(Config.DeviceCacheEntries);
        _iteCache = new ItsCache(Config.IteCacheEntries);
        _collectionCache = new ItsCache(Config.CollectionCacheEntries);

        ulong typer = GitsTyper.For(Config).Value;
        _cbaser = new GicRegister("GITS_CBASER", 0x0080, 8, 0, GicRegisterAccess.ReadWrite,
            "Valid[63], InnerCache[61:59], OuterCache[55:53], PA[51:12], Shareability[11:10], Size[7:0] (4 KiB pages − 1); read-only while enabled",
            writableMask: CbaserMask, onWrite: OnCbaserWrite);
        _baser = new GicRegister("GITS_BASER", 0x0100, 8, 0, GicRegisterAccess.ReadWrite,
            "Valid[63], Indirect[62], Type[58:56], Entry_Size[52:48] (RO), PA, Page_Size[9:8], Size[7:0]; 0 = device, 1 = collection, 2..7 RAZ/WI; read-only while enabled",
            count: 8, writableMask: ~BaserReadOnlyFields, onWrite: OnBaserWrite);
        Registers = new GicRegisterFile(name,
        [
            new("GITS_CTLR", 0x0000, 4, 0x8000_0000, GicRegisterAccess.ReadWrite, "Enabled[0]; Quiescent[31] (RO) = !Enabled",
                writableMask: 1, onRead: _ => _enabled ? 1UL : 0x8000_0000UL, onWrite: (_, _, v) => SetEnabled((v & 1) != 0)),
            new("GITS_IIDR", 0x0004, 4, Config.Iidr, GicRegisterAccess.ReadOnly, "implementer/revision"),
            new("GITS_TYPER", 0x0008, 8, typer, GicRegisterAccess.ReadOnly,
                "Physical[0], ITT_entry_size[7:4], IDbits[12:8], Devbits[17:13], PTA[19], CIDbits[35:32], CIL[36]"),
            _cbaser,
            new("GITS_CWRITER", 0x0088, 8, 0, GicRegisterAccess.ReadWrite, "Offset[19:5]; writing Retry[0] restarts a stalled queue",
                writableMask: 0xF_FFE1, onRead: _ => (ulong)_cwriter << 5, onWrite: OnCwriterWrite),
            new("GITS_CREADR", 0x0090, 8, 0, GicRegisterAccess.ReadOnly, "Offset[19:5], Stalled[0]",
                onRead: _ => ((ulong)_creadr << 5) | (_stalled ? 1UL : 0)),
            _baser,
            new("GITS_PIDR2", 0xFFE8, 4, 0x3B, GicRegisterAccess.ReadOnly, "ArchRev[7:4] = 3 (GICv3)"),
            new("GITS_TRANSLATER", (uint)TranslaterOffset, 4, 0, GicRegisterAccess.WriteOnly,
                "EventID = data; DeviceID = bus side-band (handled before the table, which cannot carry it)"),
        ]);
        Registers.Set(_baser, (1UL << 56) | ((ulong)(_format.DteSize - 1) << 48) | (2UL << 8), 0);
        Registers.Set(_baser, (4UL << 56) | ((ulong)(_format.CteSize - 1) << 48) | (2UL << 8), 1);
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <summary>Parameters.</summary>
    public ItsConfig Config { get; }
    /// <summary>The GIC this ITS delivers to.</summary>
    public Gicv3 Gic => _gic;
    /// <summary>The declared registers (control page and GITS_TRANSLATER).</summary>
    public GicRegisterFile Registers { get; }
    /// <summary>Time of the next register access or doorbell write, set by the bus-side caller (timing layer).</summary>
    public ulong CurrentTimePs { get; set; }
    /// <summary>GITS_CTLR.Enabled.</summary>
    public bool Enabled => _enabled;
    /// <summary>GITS_CREADR.Stalled.</summary>
    public bool Stalled => _stalled;
    /// <summary>Why the queue stalled.</summary>
    public ItsStallReason StallReason { get; private set; }
    /// <summary>The device table as latched at enable.</summary>
    public ItsTable DeviceTable => _deviceTable;
    /// <summary>The collection table as latched at enable.</summary>
    public ItsTable CollectionTable => _collectionTable;
    /// <summary>Commands executed (including skipped ones).</summary>
    public long CommandsProcessed { get; private set; }
    /// <summary>Commands skipped because of a parameter error.</summary>
    public long CommandErrors { get; private set; }
    /// <summary>The last command error.</summary>
    public ItsCommandError LastError { get; private set; }
    /// <summary>Times the queue was not processed because CWRITER or CREADR was beyond the queue.</summary>
    public long InvalidQueueOffsets { get; private set; }
    /// <summary>Time the last command completed (timing layer).</summary>
    public ulong CommandsCompletePs { get; private set; }
    /// <summary>The most recent translation.</summary>
    public MsiTranslation LastTranslation { get; private set; }
    /// <summary>Device cache.</summary>
    public ItsCache DeviceCache => _deviceCache;
    /// <summary>Interrupt translation cache.</summary>
    public ItsCache IteCache => _iteCache;
    /// <summary>Collection cache.</summary>
    public ItsCache CollectionCache => _collectionCache;

    /// <summary>How many translations ended with <paramref name="result"/>.</summary>
    public long TranslationCount(ItsTranslationResult result) => _resultCounts[(int)result];

    /// <summary>MSIs dropped (any drop reason).</summary>
    public long DroppedMsis
    {
        get
        {
            long n = 0;
            for (int i = (int)ItsTranslationResult.ItsDisabled; i < _resultCounts.Length; i++) n += _resultCounts[i];
            return n;
        }
    }

    /// <summary>How many commands were skipped with <paramref name="error"/>.</summary>
    public long ErrorCount(ItsCommandError error) => _errorCounts.GetValueOrDefault(error);

    /// <summary>Maps the frame on the bus at <see cref="ItsConfig.BaseAddress"/>.</summary>
    public void Attach() => _bus.AddDevice(Config.BaseAddress, FrameSize, this);

    // ------------------------------------------------------------------ registers

    private void SetEnabled(bool enable)
    {
        if (enable == _enabled) return;
        _enabled = enable;
        if (!enable) return;
        // Enable 0→1 latches the table and queue geometry (IMPDEF, as QEMU) and forgets anything cached.
        _deviceTable = new ItsTable(Registers.Get(_baser, 0), _format.DteSize, Config.DeviceIdBits);
        _collectionTable = new ItsTable(Registers.Get(_baser, 1), _format.CteSize, Config.CollectionIdBits);
        ulong cb = Registers.Get(_cbaser);
        _cmdqBase = cb & 0x000F_FFFF_FFFF_F000UL;
        _cmdqEntries = (cb >> 63) != 0 ? (uint)(((cb & 0xFF) + 1) * 4096 / ItsCommand.Size) : 0;
        _deviceCache.InvalidateAll();
        _iteCache.InvalidateAll();
        _collectionCache.InvalidateAll();
        ProcessQueue();
    }

    private void OnCbaserWrite(int index, ulong previous, ulong value)
    {
        if (_enabled) { Registers.Set(_cbaser, previous); return; }
        _creadr = 0; // IHI 0069: writing GITS_CBASER sets GITS_CREADR to 0
        _stalled = false;
        StallReason = ItsStallReason.None;
    }

    private void OnBaserWrite(int index, ulong previous, ulong value)
    {
        if (index >= 2 || _enabled) Registers.Set(_baser, previous, index);
    }

    private void OnCwriterWrite(int index, ulong previous, ulong value)
    {
        _cwriter = (uint)((value >> 5) & 0x7FFF);
        if ((value & 1) != 0 && _stalled)
        {
            _stalled = false;
            StallReason = ItsStallReason.None;
        }
        ProcessQueue();
    }

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes)
    {
        if (offset >= 0x1_0000)
        {
            value = 0; // translation page reads are RES0
            return size is 2 or 4 ? BusStatus.Ok : BusStatus.SlaveError;
        }
        return Registers.Read(offset, size, out value);
    }

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        if (offset >= 0x1_0000)
        {
            if (size is not (2 or 4)) return BusStatus.SlaveError;
            if (offset != TranslaterOffset) return BusStatus.Ok;
            ulong mask = size == 4 ? 0xFFFF_FFFFUL : 0xFFFFUL;
            var r = Translate(attributes.DeviceId, (uint)(value & mask), CurrentTimePs);
            // QEMU returns a bus error to the writer only when a table read faulted (reference §1.6).
            return r == ItsTranslationResult.TableFault ? BusStatus.SlaveError : BusStatus.Ok;
        }
        return Registers.Write(offset, size, value);
    }

    // ------------------------------------------------------------------ table access

    private enum Lookup : byte { Ok, DeviceOor, UnmappedDevice, EventOor, UnmappedEvent, CollectionOor, UnmappedCollection, NoSuchRd, Fault }

    private ulong Fetch(ulong pa, Span<byte> destination, ref ulong t, out BusStatus status)
    {
        status = _bus.Read(pa, destination);
        if (_gic.MemoryTiming is { } mt) t = mt.Access(t, destination.Length);
        return t;
    }

    private Lookup ReadDte(uint deviceId, ref ulong t, out Dte dte, ref ItsStallReason stall)
    {
        if (_deviceCache.TryGet(deviceId, out ulong packed))
        {
            t += _hitPs;
            dte = new Dte(true, (int)(packed >> 56), packed & 0x00FF_FFFF_FFFF_FFFFUL);
            return Lookup.Ok;
        }
        return ReadDteFromTable(deviceId, ref t, out dte, ref stall);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Lookup ReadDteFromTable(uint deviceId, ref ulong t, out Dte dte, ref ItsStallReason stall)
    {
        dte = default;
        var loc = _deviceTable.Locate(_bus, deviceId, out ulong pa, out _);
        if (_deviceTable.Indirect && loc != ItsTableLookup.OutOfRange && _gic.MemoryTiming is { } mt) t = mt.Access(t, 8);
        switch (loc)
        {
            case ItsTableLookup.OutOfRange: return Lookup.DeviceOor;
            case ItsTableLookup.NoLevel2: return Lookup.UnmappedDevice;
            case ItsTableLookup.Fault: stall = ItsStallReason.Level1ReadFault; return Lookup.Fault;
        }
        Span<byte> buf = stackalloc byte[16];
        Fetch(pa, buf[.._format.DteSize], ref t, out var st);
        if (st != BusStatus.Ok) { stall = ItsStallReason.DteReadFault; return Lookup.Fault; }
        dte = _format.DecodeDte(buf);
        if (!dte.Valid) return Lookup.UnmappedDevice;
        _deviceCache.Put(deviceId, ((ulong)dte.Size << 56) | (dte.IttAddress & 0x00FF_FFFF_FFFF_FFFFUL));
        return Lookup.Ok;
    }

    private Lookup ReadIte(uint deviceId, uint eventId, ref ulong t, out Ite ite, out Dte dte, ref ItsStallReason stall)
    {
        ite = default;
        ulong key = ((ulong)deviceId << 32) | eventId;
        if (_iteCache.TryGet(key, out ulong packed))
        {
            t += _hitPs;
            dte = default;
            ite = new Ite(true, true, (uint)packed, (ushort)(packed >> 32));
            return Lookup.Ok;
        }
        return ReadIteFromTable(deviceId, eventId, key, ref t, out ite, out dte, ref stall);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Lookup ReadIteFromTable(uint deviceId, uint eventId, ulong key, ref ulong t, out Ite ite, out Dte dte, ref ItsStallReason stall)
    {
        ite = default;
        var r = ReadDte(deviceId, ref t, out dte, ref stall);
        if (r != Lookup.Ok) return r;
        if (dte.Size + 1 < 32 && eventId >= 1U << (dte.Size + 1)) return Lookup.EventOor;
        Span<byte> buf = stackalloc byte[16];
        Fetch(dte.IttAddress + (ulong)eventId * (ulong)_format.IteSize, buf[.._format.IteSize], ref t, out var st);
        if (st != BusStatus.Ok) { stall = ItsStallReason.IteReadFault; return Lookup.Fault; }
        ite = _format.DecodeIte(buf);
        if (!ite.Valid) return Lookup.UnmappedEvent;
        if (ite.Physical) _iteCache.Put(key, ite.IntId | ((ulong)ite.Icid << 32));
        return Lookup.Ok;
    }

    private bool IcidInRange(uint icid) => icid < _icidLimit && (!_indexedCollections || icid < _collectionTable.Entries);

    private Lookup ReadCte(uint icid, ref ulong t, out int cpu, ref ItsStallReason stall)
    {
        cpu = -1;
        if (!IcidInRange(icid)) return Lookup.CollectionOor;
        if (_collectionCache.TryGet(icid, out ulong packed))
        {
            t += _hitPs;
            cpu = (int)packed;
            return Lookup.Ok;
        }
        return ReadCteFromTable(icid, ref t, out cpu, ref stall);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Lookup ReadCteFromTable(uint icid, ref ulong t, out int cpu, ref ItsStallReason stall)
    {
        cpu = -1;
        Span<byte> buf = stackalloc byte[16];
        Cte cte = default;
        if (_indexedCollections)
        {
            _collectionTable.Locate(_bus, icid, out ulong pa, out _);
            Fetch(pa, buf[.._format.CteSize], ref t, out var st);
            if (st != BusStatus.Ok) { stall = ItsStallReason.CteReadFault; return Lookup.Fault; }
            cte = _format.DecodeCte(buf);
        }
        else
        {
            var r = FindListedCte((ushort)icid, ref t, out int slot, out cte, ref stall);
            if (r != Lookup.Ok) return r;
            if (slot < 0) return Lookup.UnmappedCollection;
        }
        if (!cte.Valid) return Lookup.UnmappedCollection;
        if ((uint)cte.ProcessorNumber >= (uint)_gic.Config.Cpus) return Lookup.NoSuchRd;
        cpu = cte.ProcessorNumber;
        _collectionCache.Put(icid, (ulong)cpu);
        return Lookup.Ok;
    }

    // A list-form collection table (KVM ABI): entries carry their ICID; the first invalid entry ends the list.
    private Lookup FindListedCte(ushort icid, ref ulong t, out int slot, out Cte cte, ref ItsStallReason stall)
    {
        Span<byte> buf = stackalloc byte[16];
        slot = -1;
        cte = default;
        ulong n = Math.Min(_collectionTable.Entries, 1UL << 16);
        for (ulong i = 0; i < n; i++)
        {
            var loc = _collectionTable.Locate(_bus, i, out ulong pa, out _);
            if (loc == ItsTableLookup.Fault) { stall = ItsStallReason.Level1ReadFault; return Lookup.Fault; }
            if (loc != ItsTableLookup.Ok) break;
            Fetch(pa, buf[.._format.CteSize], ref t, out var st);
            if (st != BusStatus.Ok) { stall = ItsStallReason.CteReadFault; return Lookup.Fault; }
            var e = _format.DecodeCte(buf);
            if (!e.Valid) break;
            if (e.Icid == icid) { slot = (int)i; cte = e; break; }
        }
        return Lookup.Ok;
    }

    private int ListLength(ref ulong t, ref ItsStallReason stall, out bool fault)
    {
        Span<byte> buf = stackalloc byte[16];
        fault = false;
        ulong n = Math.Min(_collectionTable.Entries, 1UL << 16);
        for (ulong i = 0; i < n; i++)
        {
            var loc = _collectionTable.Locate(_bus, i, out ulong pa, out _);
            if (loc == ItsTableLookup.Fault) { stall = ItsStallReason.Level1ReadFault; fault = true; return 0; }
            if (loc != ItsTableLookup.Ok) return (int)i;
            Fetch(pa, buf[.._format.CteSize], ref t, out var st);
            if (st != BusStatus.Ok) { stall = ItsStallReason.CteReadFault; fault = true; return 0; }
            if (!_format.DecodeCte(buf).Valid) return (int)i;
        }
        return (int)n;
    }

    private bool WriteEntry(ulong pa, ReadOnlySpan<byte> entry, ref ulong t)
    {
        if (_gic.MemoryTiming is { } mt) t = mt.Access(t, entry.Length);
        return _bus.Write(pa, entry) == BusStatus.Ok;
    }

    private int RdToProcessor(ulong rdBase) => Config.Pta ? _gic.ProcessorForRdAddress(rdBase << 16) : rdBase < (ulong)_gic.Config.Cpus ? (int)rdBase : -1;

    // ------------------------------------------------------------------ translation (hot path)

    /// <summary>An MSI write to GITS_TRANSLATER from <paramref name="deviceId"/> (side-band) with data <paramref name="eventId"/>, at <see cref="CurrentTimePs"/>.</summary>
    public ItsTranslationResult Translate(uint deviceId, uint eventId) => Translate(deviceId, eventId, CurrentTimePs);

    /// <summary>
    /// An MSI write to GITS_TRANSLATER at <paramref name="nowPs"/>: DeviceID → DTE → ITE → CTE → redistributor.
    /// The outcome (with the doorbell-to-CPU-interface time) is in <see cref="LastTranslation"/>.
    /// </summary>
    public ItsTranslationResult Translate(uint deviceId, uint eventId, ulong nowPs)
    {
        ulong t = nowPs;
        uint intId = 0;
        int cpu = -1;
        var result = TranslateCore(deviceId, eventId, ref t, ref intId, ref cpu);
        _resultCounts[(int)result]++;
        LastTranslation = new MsiTranslation(deviceId, eventId, result, intId, cpu, nowPs, t);
        if (_gic.Observer is { } o)
        {
            var tr = LastTranslation;
            o.OnMsiTranslated(this, in tr);
        }
        return result;
    }

    private ItsTranslationResult TranslateCore(uint deviceId, uint eventId, ref ulong t, ref uint intId, ref int cpu)
    {
        if (!_enabled) return ItsTranslationResult.ItsDisabled;
        ulong doorbell = t;
        t += _translationPs;
        var stall = ItsStallReason.None;
        var r = ReadIte(deviceId, eventId, ref t, out var ite, out _, ref stall);
        if (r != Lookup.Ok) return ToResult(r);
        if (!ite.Physical) return ItsTranslationResult.VirtualNotModelled;
        intId = ite.IntId;
        r = ReadCte(ite.Icid, ref t, out cpu, ref stall);
        if (r != Lookup.Ok) return ToResult(r);
        return _gic.Redistributors[cpu].SetPending(intId, doorbell, ref t);
    }

    private static ItsTranslationResult ToResult(Lookup r) => r switch
    {
        Lookup.DeviceOor => ItsTranslationResult.DeviceOutOfRange,
        Lookup.UnmappedDevice => ItsTranslationResult.UnmappedDevice,
        Lookup.EventOor => ItsTranslationResult.EventOutOfRange,
        Lookup.UnmappedEvent => ItsTranslationResult.UnmappedEvent,
        Lookup.CollectionOor or Lookup.UnmappedCollection => ItsTranslationResult.UnmappedCollection,
        Lookup.NoSuchRd => ItsTranslationResult.NoSuchRedistributor,
        _ => ItsTranslationResult.TableFault,
    };

    // ------------------------------------------------------------------ command queue

    /// <summary>Processes commands from GITS_CREADR up to GITS_CWRITER (synchronously, as QEMU).</summary>
    public void ProcessQueue()
    {
        if (!_enabled || _stalled || _cmdqEntries == 0 || _processing) return;
        if (_cwriter >= _cmdqEntries || _creadr >= _cmdqEntries) { InvalidQueueOffsets++; return; }
        _processing = true;
        ulong t = Math.Max(CurrentTimePs, CommandsCompletePs);
        Span<byte> buf = stackalloc byte[ItsCommand.Size];
        try
        {
            while (_creadr != _cwriter)
            {
                Fetch(_cmdqBase + (ulong)_creadr * ItsCommand.Size, buf, ref t, out var st);
                var cmd = st == BusStatus.Ok ? ItsCommand.Read(buf) : default;
                var stall = st == BusStatus.Ok ? ItsStallReason.None : ItsStallReason.CommandReadFault;
                var error = ItsCommandError.None;
                if (stall == ItsStallReason.None)
                {
                    t += _commandPs;
                    error = Execute(in cmd, ref t, ref stall);
                }
                CommandsProcessed++;
                if (stall == ItsStallReason.None && error != ItsCommandError.None)
                {
                    CommandErrors++;
                    LastError = error;
                    _errorCounts[error] = _errorCounts.GetValueOrDefault(error) + 1;
                }
                if (_gic.Observer is { } o)
                {
                    var rec = new ItsCommandRecord(_creadr, cmd, stall == ItsStallReason.None ? error : ItsCommandError.None, stall, t);
                    o.OnItsCommand(this, in rec);
                }
                if (stall != ItsStallReason.None)
                {
                    // A memory fault stalls the queue with CREADR on the faulting command (IHI 0069 GITS_CREADR.Stalled).
                    _stalled = true;
                    StallReason = stall;
                    break;
                }
                _creadr = (_creadr + 1) % _cmdqEntries;
            }
        }
        finally
        {
            _processing = false;
            CommandsCompletePs = t;
        }
    }

    private ItsCommandError Execute(in ItsCommand cmd, ref ulong t, ref ItsStallReason stall)
    {
        switch (cmd.Type)
        {
            case ItsCommandType.Mapd: return Mapd(in cmd, ref t, ref stall);
            case ItsCommandType.Mapc: return Mapc(in cmd, ref t, ref stall);
            case ItsCommandType.Mapti: return Mapti(cmd.DeviceId, cmd.EventId, cmd.PhysicalId, cmd.Icid, false, ref t, ref stall);
            case ItsCommandType.Mapi: return Mapti(cmd.DeviceId, cmd.EventId, cmd.EventId, cmd.Icid, true, ref t, ref stall);
            case ItsCommandType.Int:
            case ItsCommandType.Clear:
            case ItsCommandType.Discard:
            case ItsCommandType.Inv:
                return EventCommand(in cmd, ref t, ref stall);
            case ItsCommandType.Invall:
            {
                var r = ReadCte(cmd.Icid, ref t, out int cpu, ref stall);
                if (r == Lookup.Fault) return ItsCommandError.None;
                if (r != Lookup.Ok) return ItsCommandError.InvallUnmappedCollection;
                _gic.Redistributors[cpu].InvalidateAll(t);
                return ItsCommandError.None;
            }
            case ItsCommandType.Movi: return Movi(in cmd, ref t, ref stall);
            case ItsCommandType.Movall:
            {
                int from = RdToProcessor(cmd.RdBase), to = RdToProcessor(cmd.RdBase2);
                if (from < 0 || to < 0) return ItsCommandError.MovallProcnumOor;
                if (from == to) return ItsCommandError.None;
                var src = _gic.Redistributors[from];
                var dst = _gic.Redistributors[to];
                foreach (uint id in src.PendingLpis()) src.MovePending(id, dst, t);
                return ItsCommandError.None;
            }
            case ItsCommandType.Sync:
                // Every earlier command has already taken effect at its redistributor: nothing to wait for.
                return ItsCommandError.None;
            default:
                return ItsCommandError.UnknownCommand;
        }
    }

    private ItsCommandError Mapd(in ItsCommand cmd, ref ulong t, ref ItsStallReason stall)
    {
        uint deviceId = cmd.DeviceId;
        if (deviceId >= _deviceTable.Entries) return ItsCommandError.MapdDeviceOor;
        if (cmd.ItSize > Config.EventIdBits - 1) return ItsCommandError.MapdIttSizeOor;
        var loc = _deviceTable.Locate(_bus, deviceId, out ulong pa, out _);
        if (loc == ItsTableLookup.Fault) { stall = ItsStallReason.Level1ReadFault; return ItsCommandError.None; }
        if (loc != ItsTableLookup.Ok) return ItsCommandError.MapdDeviceOor;
        Span<byte> buf = stackalloc byte[16];
        buf.Clear();
        _format.EncodeDte(new Dte(cmd.Valid, cmd.ItSize, cmd.IttAddress), buf);
        if (!WriteEntry(pa, buf[.._format.DteSize], ref t)) { stall = ItsStallReason.TableWriteFault; return ItsCommandError.None; }
        // Remapping a device invalidates what the ITS cached about it; its pending LPIs are left alone (QEMU).
        _deviceCache.Invalidate(deviceId);
        _iteCache.InvalidateMatching(0xFFFF_FFFF_0000_0000UL, (ulong)deviceId << 32);
        return ItsCommandError.None;
    }

    private ItsCommandError Mapc(in ItsCommand cmd, ref ulong t, ref ItsStallReason stall)
    {
        ushort icid = cmd.Icid;
        if (!IcidInRange(icid)) return ItsCommandError.MapcCollectionOor;
        int cpu = 0;
        if (cmd.Valid)
        {
            cpu = RdToProcessor(cmd.RdBase);
            if (cpu < 0) return ItsCommandError.MapcProcnumOor;
        }
        _collectionCache.Invalidate(icid);
        Span<byte> buf = stackalloc byte[16];
        buf.Clear();
        var cte = new Cte(cmd.Valid, cpu, icid);
        if (_format.CollectionTableIndexedByIcid)
        {
            _collectionTable.Locate(_bus, icid, out ulong pa, out _);
            _format.EncodeCte(cte, buf);
            if (!WriteEntry(pa, buf[.._format.CteSize], ref t)) stall = ItsStallReason.TableWriteFault;
            return ItsCommandError.None;
        }
        var r = FindListedCte(icid, ref t, out int slot, out _, ref stall);
        if (r == Lookup.Fault) return ItsCommandError.None;
        int length = ListLength(ref t, ref stall, out bool fault);
        if (fault) return ItsCommandError.None;
        ulong target;
        if (cmd.Valid)
        {
            int s = slot >= 0 ? slot : length;
            if ((ulong)s >= _collectionTable.Entries) return ItsCommandError.MapcCollectionOor;
            _collectionTable.Locate(_bus, (ulong)s, out target, out _);
            _format.EncodeCte(cte, buf);
            if (!WriteEntry(target, buf[.._format.CteSize], ref t)) stall = ItsStallReason.TableWriteFault;
            return ItsCommandError.None;
        }
        if (slot < 0) return ItsCommandError.None;
        // Unmap in a list: the last entry fills the hole, keeping the list contiguous.
        _collectionTable.Locate(_bus, (ulong)(length - 1), out ulong lastPa, out _);
        Span<byte> last = stackalloc byte[16];
        Fetch(lastPa, last[.._format.CteSize], ref t, out var st);
        if (st != BusStatus.Ok) { stall = ItsStallReason.CteReadFault; return ItsCommandError.None; }
        _collectionTable.Locate(_bus, (ulong)slot, out target, out _);
        if (!WriteEntry(target, last[.._format.CteSize], ref t) || !WriteEntry(lastPa, buf[.._format.CteSize], ref t))
            stall = ItsStallReason.TableWriteFault;
        return ItsCommandError.None;
    }

    private ItsCommandError Mapti(uint deviceId, uint eventId, uint intId, ushort icid, bool mapi, ref ulong t, ref ItsStallReason stall)
    {
        if (deviceId >= _deviceTable.Entries) return mapi ? ItsCommandError.MapiDeviceOor : ItsCommandError.MaptiDeviceOor;
        _deviceCache.Invalidate(deviceId); // read the DTE as the table holds it
        var r = ReadDte(deviceId, ref t, out var dte, ref stall);
        if (r == Lookup.Fault) return ItsCommandError.None;
        // The collection need not be mapped yet (kvm-unit-tests its-migrate-unmapped-collection relies on it).
        if (!IcidInRange(icid)) return mapi ? ItsCommandError.MapiCollectionOor : ItsCommandError.MaptiCollectionOor;
        if (r != Lookup.Ok) return mapi ? ItsCommandError.MapiUnmappedDevice : ItsCommandError.MaptiUnmappedDevice;
        if (dte.Size + 1 < 32 && eventId >= 1U << (dte.Size + 1)) return mapi ? ItsCommandError.MapiIdOor : ItsCommandError.MaptiIdOor;
        if (intId < GicRedistributor.FirstLpi || intId >= 1U << _gic.Config.LpiIdBits)
            return mapi ? ItsCommandError.MapiPhysicalIdOor : ItsCommandError.MaptiPhysicalIdOor;
        Span<byte> buf = stackalloc byte[16];
        buf.Clear();
        _format.EncodeIte(new Ite(true, true, intId, icid, 0, 1023), buf);
        if (!WriteEntry(dte.IttAddress + (ulong)eventId * (ulong)_format.IteSize, buf[.._format.IteSize], ref t))
        {
            stall = ItsStallReason.TableWriteFault;
            return ItsCommandError.None;
        }
        _iteCache.Invalidate(((ulong)deviceId << 32) | eventId);
        return ItsCommandError.None;
    }

    private ItsCommandError EventCommand(in ItsCommand cmd, ref ulong t, ref ItsStallReason stall)
    {
        var type = cmd.Type;
        var r = ReadIte(cmd.DeviceId, cmd.EventId, ref t, out var ite, out _, ref stall);
        if (r == Lookup.Fault) return ItsCommandError.None;
        if (r != Lookup.Ok) return Unmapped(type, false);
        if (!ite.Physical) return ItsCommandError.VirtualInterrupt;
        r = ReadCte(ite.Icid, ref t, out int cpu, ref stall);
        if (r == Lookup.Fault) return ItsCommandError.None;
        if (r != Lookup.Ok) return Unmapped(type, true);
        var rd = _gic.Redistributors[cpu];
        switch (type)
        {
            case ItsCommandType.Int:
                rd.SetPending(ite.IntId, t, ref t);
                break;
            case ItsCommandType.Clear:
                rd.ClearPending(ite.IntId);
                break;
            case ItsCommandType.Inv:
                rd.InvalidateLpi(ite.IntId, t);
                break;
            case ItsCommandType.Discard:
            {
                rd.ClearPending(ite.IntId);
                ulong key = ((ulong)cmd.DeviceId << 32) | cmd.EventId;
                _iteCache.Invalidate(key);
                var d = ReadDte(cmd.DeviceId, ref t, out var dte, ref stall);
                if (d == Lookup.Fault) return ItsCommandError.None;
                if (d != Lookup.Ok) return ItsCommandError.DiscardUnmappedInterrupt;
                Span<byte> buf = stackalloc byte[16];
                buf.Clear();
                _format.EncodeIte(default, buf);
                if (!WriteEntry(dte.IttAddress + (ulong)cmd.EventId * (ulong)_format.IteSize, buf[.._format.IteSize], ref t))
                    stall = ItsStallReason.TableWriteFault;
                break;
            }
        }
        return ItsCommandError.None;
    }

    private static ItsCommandError Unmapped(ItsCommandType type, bool collection) => type switch
    {
        ItsCommandType.Int => collection ? ItsCommandError.IntUnmappedCollection : ItsCommandError.IntUnmappedInterrupt,
        ItsCommandType.Clear => collection ? ItsCommandError.ClearUnmappedCollection : ItsCommandError.ClearUnmappedInterrupt,
        ItsCommandType.Discard => collection ? ItsCommandError.DiscardUnmappedCollection : ItsCommandError.DiscardUnmappedInterrupt,
        ItsCommandType.Inv => collection ? ItsCommandError.InvUnmappedCollection : ItsCommandError.InvUnmappedInterrupt,
        _ => collection ? ItsCommandError.MoviUnmappedCollection : ItsCommandError.MoviUnmappedInterrupt,
    };

    private ItsCommandError Movi(in ItsCommand cmd, ref ulong t, ref ItsStallReason stall)
    {
        var r = ReadIte(cmd.DeviceId, cmd.EventId, ref t, out var ite, out _, ref stall);
        if (r == Lookup.Fault) return ItsCommandError.None;
        if (r != Lookup.Ok) return ItsCommandError.MoviUnmappedInterrupt;
        if (!ite.Physical) return ItsCommandError.VirtualInterrupt;
        r = ReadCte(ite.Icid, ref t, out int oldCpu, ref stall);
        if (r == Lookup.Fault) return ItsCommandError.None;
        if (r != Lookup.Ok) return ItsCommandError.MoviUnmappedCollection;
        r = ReadCte(cmd.Icid, ref t, out int newCpu, ref stall);
        if (r == Lookup.Fault) return ItsCommandError.None;
        if (r != Lookup.Ok) return ItsCommandError.MoviUnmappedCollection;
        var from = _gic.Redistributors[oldCpu];
        var to = _gic.Redistributors[newCpu];
        // Moving between RDs when either has LPIs disabled is CONSTRAINED UNPREDICTABLE: like QEMU, do nothing.
        if (oldCpu != newCpu && from.LpisEnabled && to.LpisEnabled) from.MovePending(ite.IntId, to, t);
        _deviceCache.Invalidate(cmd.DeviceId);
        var d = ReadDte(cmd.DeviceId, ref t, out var dte, ref stall);
        if (d == Lookup.Fault) return ItsCommandError.None;
        if (d != Lookup.Ok) return ItsCommandError.MoviUnmappedInterrupt;
        Span<byte> buf = stackalloc byte[16];
        buf.Clear();
        _format.EncodeIte(new Ite(true, true, ite.IntId, cmd.Icid, 0, 1023), buf);
        if (!WriteEntry(dte.IttAddress + (ulong)cmd.EventId * (ulong)_format.IteSize, buf[.._format.IteSize], ref t))
            stall = ItsStallReason.TableWriteFault;
        _iteCache.Invalidate(((ulong)cmd.DeviceId << 32) | cmd.EventId);
        return ItsCommandError.None;
    }

    /// <summary>A register dump of the control page with the declared names.</summary>
    public string Dump() => Registers.Dump();
}
