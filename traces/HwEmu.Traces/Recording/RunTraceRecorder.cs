using System.Runtime.CompilerServices;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Smmu;
using HwEmu.Traces.Format;
using SmmuSource = HwEmu.Devices.Smmu.TranslationSource;
using TraceSource = HwEmu.Traces.Format.TranslationSource;

namespace HwEmu.Traces.Recording;

/// <summary>
/// Records a <c>hwemu run</c> as a HwEmu trace: each <see cref="IRunObserver"/> callback becomes the record with the
/// same fields, queued by this <see cref="TraceRecorder"/> (encoding and file I/O on its writer thread). The header carries the scenario as JSON (<see cref="ScenarioWriter"/>, which
/// <see cref="ScenarioLoader.Parse"/> reads back to an equal scenario) and the seed, so a replay can rebuild the
/// platform with <see cref="MachineBuilder.BuildHardware(Scenario)"/>. Each DmaIssued carries the device, kind and
/// route (so peer-to-peer and MSI bypasses are counted from it), each translation its arrival time, and each
/// completion a DmaCompleted record, so a replay rebuilds the run's whole summary.
/// </summary>
public sealed class RunTraceRecorder : TraceRecorder, IRunObserver
{
    // A TraceRecorder itself rather than holding one: the machine's observer reference then leads straight to the
    // append state, one dependent load fewer per record on the simulation thread.

    /// <summary>Records into <paramref name="writer"/> (which already holds the header); the recorder owns it.</summary>
    public RunTraceRecorder(TraceWriter writer)
        : base(writer)
    {
    }

    private RunTraceRecorder(Func<TraceWriter> createWriter)
        : base(createWriter)
    {
    }

    /// <summary>The header a recording of <paramref name="scenario"/> carries.</summary>
    public static TraceHeader HeaderFor(Scenario scenario, string emulatorVersion)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new TraceHeader
        {
            EmulatorVersion = emulatorVersion ?? "",
            Platform = scenario.Name,
            Scenario = ScenarioWriter.ToJson(scenario, indented: false),
            Seed = scenario.Seed,
        };
    }

    /// <summary>Creates the trace file <paramref name="path"/> for a run of <paramref name="scenario"/>.</summary>
    public static RunTraceRecorder Create(string path, Scenario scenario, string emulatorVersion, TraceWriterOptions? options = null)
    {
        var writer = TraceWriter.Create(path, HeaderFor(scenario, emulatorVersion), options);
        return new RunTraceRecorder(writer);
    }

    /// <summary>Creates a recording of <paramref name="scenario"/> into <paramref name="stream"/>. A stream that cannot
    /// take the header shows as an <see cref="IOException"/> from an append or <see cref="TraceRecorder.Complete"/>.</summary>
    public static RunTraceRecorder Create(Stream stream, Scenario scenario, string emulatorVersion, TraceWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(scenario);
        // The header (the scenario as JSON) is built and written on the writer thread, off the run's start-up.
        return new RunTraceRecorder(() => new TraceWriter(stream, HeaderFor(scenario, emulatorVersion), options, leaveOpen));
    }

    /// <inheritdoc/>
    public bool ReportsEveryMemoryWrite => true;

    /// <summary>Records appended so far.</summary>
    public long Records => RecordsAppended;

    // Memory writes are reported one store at a time (8-byte PTEs, queue words); contiguous stores of the same
    // instant are merged into one MemoryWrite, written before any other record so the order stays the run's.
    private readonly byte[] _pending = new byte[4096];
    private int _pendingLength;
    private ulong _pendingAddress, _pendingTime;
    private MemoryStructure _pendingStructure;

    /// <inheritdoc/>
    public void OnHostMemoryWrite(ulong timePs, ulong address, ReadOnlySpan<byte> data, HostStructure structure)
    {
        var kind = (MemoryStructure)structure;
        if (_pendingLength != 0 && (timePs != _pendingTime || address != _pendingAddress + (ulong)_pendingLength || kind != _pendingStructure
            || _pendingLength + data.Length > _pending.Length))
        {
            FlushMemory();
        }
        if (data.Length > _pending.Length)
        {
            Append(new MemoryWriteRecord(timePs, address, kind, data));
            return;
        }
        if (_pendingLength == 0)
        {
            _pendingTime = timePs;
            _pendingAddress = address;
            _pendingStructure = kind;
        }
        data.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += data.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Flush()
    {
        if (_pendingLength != 0) FlushMemory();
    }

    private void FlushMemory()
    {
        Append(new MemoryWriteRecord(_pendingTime, _pendingAddress, _pendingStructure, _pending.AsSpan(0, _pendingLength)));
        _pendingLength = 0;
    }

    /// <inheritdoc/>
    public void OnRegisterWrite(ulong timePs, ushort component, ulong address, int size, ulong value)
    {
        Flush();
        Append(new RegisterWriteRecord(timePs, component, address, (byte)size, value));
    }

    /// <inheritdoc/>
    public void OnSmmuCommand(ulong timePs, uint consumerIndex, ulong dword0, ulong dword1, byte error)
    {
        Flush();
        Append(new SmmuCommandRecord(timePs, 0, consumerIndex, (byte)dword0, error, dword0, dword1));
    }

    /// <inheritdoc/>
    public void OnItsCommand(ulong timePs, uint queueOffset, ulong dword0, ulong dword1, ulong dword2, ulong dword3, uint error)
    {
        Flush();
        Append(new ItsCommandRecord(timePs, 0, queueOffset, (byte)dword0, error, (uint)(dword0 >> 32), (uint)dword1, dword0, dword1, dword2, dword3));
    }

    /// <inheritdoc/>
    public void OnDmaIssued(in RunDma dma)
    {
        Flush();
        DmaAttributes a = DmaAttributes.NonSecure;
        if (dma.Privileged) a |= DmaAttributes.Privileged;
        if (dma.Instruction) a |= DmaAttributes.Instruction;
        Append(new DmaIssuedRecord(dma.TimePs, dma.TransactionId, dma.RequesterId, dma.StreamId, dma.SubstreamId, dma.SubstreamValid,
            dma.Address, dma.Size, dma.Write ? DmaDirection.Write : DmaDirection.Read, a, dma.Device, (byte)dma.Kind, (byte)dma.Route));
    }

    /// <inheritdoc/>
    public void OnDmaCompleted(ulong timePs, ulong transactionId, bool error) { }

    /// <inheritdoc/>
    public void OnDmaCompleted(in RunCompletion c)
    {
        Flush();
        Append(new DmaCompletedRecord(c.TimePs, c.TransactionId, (uint)Math.Max(c.Device, 0), (byte)c.Kind, c.Write ? DmaDirection.Write : DmaDirection.Read,
            c.Size, c.LatencyPs, (byte)((c.Error ? DmaCompletedRecord.FlagError : 0) | (c.OperationCompleted ? DmaCompletedRecord.FlagOperationCompleted : 0))));
    }

    /// <inheritdoc/>
    public void OnTranslation(ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result) =>
        Translation(TranslationRecord.NoArrival, timePs, transactionId, in transaction, in result);

    /// <inheritdoc/>
    public void OnTranslation(ulong arrivalPs, ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result) =>
        Translation(arrivalPs, timePs, transactionId, in transaction, in result);

    // The common case, a successful translation, stays small: no fault-record locals for the JIT to zero, table
    // lookups instead of branches (this runs for every page of every DMA).
    private void Translation(ulong arrivalPs, ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result)
    {
        if (!result.Succeeded)
        {
            TranslationFault(arrivalPs, timePs, transactionId, in transaction, in result);
            return;
        }
        Flush();
        Append(new TranslationRecord(timePs, transactionId, transaction.StreamId, transaction.SubstreamId, transaction.SubstreamValid,
            transaction.Address, result.OutputAddress, PermissionsOf(result.Permissions, result.Status), (uint)Math.Min(result.LatencyCycles, uint.MaxValue),
            ServedByFast(in result), (byte)Math.Min(result.DescriptorFetches, byte.MaxValue), arrivalPs));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TranslationFault(ulong arrivalPs, ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result)
    {
        Flush();
        SmmuEventRecord e = result.Event;
        Append(new TranslationFaultRecord(timePs, transactionId, transaction.StreamId, transaction.SubstreamId, transaction.SubstreamValid,
            transaction.Address, (byte)e.Type, result.RazWi ? FaultAction.TerminatedSilently : FaultAction.Terminated,
            (uint)Math.Min(result.LatencyCycles, uint.MaxValue), result.EventRecorded, e.Dword0, e.Dword1, e.Dword2, e.Dword3, arrivalPs));
    }

    /// <inheritdoc/>
    public void OnMsiWrite(ulong timePs, ushort requesterId, uint deviceId, ulong doorbellAddress, uint data)
    {
        Flush();
        Append(new MsiWriteRecord(timePs, requesterId, deviceId, doorbellAddress, data));
    }

    /// <inheritdoc/>
    public void OnInterruptDelivered(ulong timePs, uint intId, int cpu, RunInterruptSource source, uint deviceId, uint eventId)
    {
        Flush();
        Append(new InterruptDeliveredRecord(timePs, intId, (uint)cpu, (InterruptSource)source, deviceId, eventId));
    }

    /// <inheritdoc/>
    public void OnPeerToPeer(ulong timePs, ulong transactionId, ushort requesterId, ulong address, int peerEndpoint) { }

    /// <summary>What served a translation, in the trace format's terms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TraceSource ServedBy(in TranslationResult r) => r.Source switch
    {
        SmmuSource.Gbpa => TraceSource.GlobalBypass,
        SmmuSource.ConfigCache or SmmuSource.ConfigFetch => TraceSource.StreamBypass,
        SmmuSource.Tlb => TraceSource.Iotlb,
        _ => r.ConfigCacheHit ? TraceSource.Walk : TraceSource.WalkWithConfigFetch,
    };

    // ServedBy for each (source, config-cache hit) pair: a lookup, not a switch, because whether a translation hit the
    // TLB or walked varies from one DMA to the next, so a switch here mispredicts often.
    private static readonly TraceSource[] ServedByTable = BuildServedByTable();

    private static TraceSource[] BuildServedByTable()
    {
        var table = new TraceSource[512];
        for (int i = 0; i < table.Length; i++)
            table[i] = ServedBy(new TranslationResult { Source = (SmmuSource)(i >> 1), ConfigCacheHit = (i & 1) != 0 });
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TraceSource ServedByFast(in TranslationResult r) =>
        ServedByTable[((int)r.Source << 1) | (r.ConfigCacheHit ? 1 : 0)];

    // Permissions for each of the 64 SmmuPermissions values (six flag bits), worked out once.
    private static readonly AccessPermissions[] PermissionTable = BuildPermissionTable();

    private static AccessPermissions[] BuildPermissionTable()
    {
        var table = new AccessPermissions[64];
        for (int i = 0; i < table.Length; i++) table[i] = Permissions((SmmuPermissions)i, TranslationStatus.Ok);
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static AccessPermissions PermissionsOf(SmmuPermissions p, TranslationStatus status) =>
        status == TranslationStatus.Bypass ? AccessPermissions.Read | AccessPermissions.Write | AccessPermissions.Execute : PermissionTable[(int)p & 63];

    /// <summary>The permissions an unprivileged PCIe requester gets, in the trace format's terms.</summary>
    public static AccessPermissions Permissions(SmmuPermissions p, TranslationStatus status)
    {
        if (status == TranslationStatus.Bypass) return AccessPermissions.Read | AccessPermissions.Write | AccessPermissions.Execute;
        AccessPermissions a = AccessPermissions.None;
        if ((p & SmmuPermissions.UserRead) != 0) a |= AccessPermissions.Read;
        if ((p & SmmuPermissions.UserWrite) != 0) a |= AccessPermissions.Write;
        if ((p & SmmuPermissions.UserExec) != 0) a |= AccessPermissions.Execute;
        if (a == AccessPermissions.None && (p & (SmmuPermissions.PrivRead | SmmuPermissions.PrivWrite | SmmuPermissions.PrivExec)) != 0)
        {
            a = AccessPermissions.PrivilegedOnly;
            if ((p & SmmuPermissions.PrivRead) != 0) a |= AccessPermissions.Read;
            if ((p & SmmuPermissions.PrivWrite) != 0) a |= AccessPermissions.Write;
            if ((p & SmmuPermissions.PrivExec) != 0) a |= AccessPermissions.Execute;
        }
        return a;
    }

    /// <inheritdoc/>
    protected override void OnCompleting() => Flush();
}
