namespace HwEmu.Emulator.Memory;

/// <summary>Parameters of a memory timing model. Times are in picoseconds.</summary>
/// <param name="LatencyPs">Fixed access latency from request to first data (e.g. 80 ns DRAM: 80 000).</param>
/// <param name="BytesPerNanosecond">Sustained data bandwidth in bytes per nanosecond (= GB/s).</param>
/// <param name="MaxOutstanding">Accesses that may be in flight at once; further requests wait for a slot.</param>
public readonly record struct MemoryTiming(ulong LatencyPs = 80_000, double BytesPerNanosecond = 25.6, int MaxOutstanding = 32)
{
    /// <summary>The defaults: 80 ns, 25.6 GB/s (one DDR4-3200 channel), 32 outstanding accesses.</summary>
    public MemoryTiming() : this(80_000, 25.6, 32) { }

    /// <summary>Throws a descriptive exception when a parameter is out of range (for scenario validation).</summary>
    public void Validate()
    {
        if (!(BytesPerNanosecond > 0) || double.IsInfinity(BytesPerNanosecond))
            throw new ArgumentOutOfRangeException(nameof(BytesPerNanosecond), BytesPerNanosecond, "bandwidth must be a positive number of bytes per ns");
        if (MaxOutstanding is < 1 or > 4096)
            throw new ArgumentOutOfRangeException(nameof(MaxOutstanding), MaxOutstanding, "must be between 1 and 4096");
    }
}

/// <summary>
/// Timing of accesses to a memory: a fixed latency, a data channel of finite bandwidth that transfers one access
/// at a time, and a bounded number of outstanding accesses. Deterministic: the completion time depends only on
/// the sequence of requests. Used by devices for descriptor fetches, e.g. the SMMU's page-table walker.
/// </summary>
public sealed class MemoryTimingModel
{
    private readonly ulong[] _slotFree;   // time each outstanding-request slot becomes free
    private readonly double _psPerByte;
    private ulong _channelFree;           // time the data channel is next idle

    /// <summary>Creates a model with the given parameters.</summary>
    public MemoryTimingModel(MemoryTiming timing)
    {
        timing.Validate();
        Timing = timing;
        _slotFree = new ulong[timing.MaxOutstanding];
        _psPerByte = 1000.0 / timing.BytesPerNanosecond;
    }

    /// <summary>The parameters.</summary>
    public MemoryTiming Timing { get; }

    /// <summary>Accesses served.</summary>
    public long Accesses { get; private set; }

    /// <summary>Bytes transferred.</summary>
    public long Bytes { get; private set; }

    /// <summary>Total time requests spent waiting for a free slot, in picoseconds.</summary>
    public ulong QueueingPs { get; private set; }

    /// <summary>
    /// Books an access of <paramref name="bytes"/> issued at <paramref name="now"/> and returns the time its data
    /// is complete. Requests must be issued in non-decreasing time order for the result to be meaningful.
    /// </summary>
    public ulong Access(ulong now, int bytes)
    {
        // Oldest-free slot: the request starts when one is free.
        int slot = 0;
        for (int i = 1; i < _slotFree.Length; i++)
            if (_slotFree[i] < _slotFree[slot]) slot = i;
        ulong start = Math.Max(now, _slotFree[slot]);
        QueueingPs += start - now;

        ulong transfer = (ulong)Math.Ceiling(bytes * _psPerByte);
        ulong dataStart = Math.Max(start + Timing.LatencyPs, _channelFree);
        ulong done = dataStart + transfer;
        _channelFree = done;
        _slotFree[slot] = done;
        Accesses++;
        Bytes += bytes;
        return done;
    }

    /// <summary>Forgets all in-flight state and counters.</summary>
    public void Reset()
    {
        Array.Clear(_slotFree);
        _channelFree = 0;
        Accesses = 0;
        Bytes = 0;
        QueueingPs = 0;
    }
}
