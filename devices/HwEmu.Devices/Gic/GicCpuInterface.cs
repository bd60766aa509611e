using System.Globalization;

namespace HwEmu.Devices.Gic;

/// <summary>
/// The CPU interface of one PE (the ICC_* system registers, as a model): holds the interrupts signalled to it as
/// pending and enabled, lets the CPU acknowledge the highest-priority one (ties → lower INTID), and records each
/// delivery with its times and per-INTID counts (the emulator's /proc/interrupts).
/// </summary>
public sealed class GicCpuInterface
{
    /// <summary>INTID returned by an acknowledge with nothing pending.</summary>
    public const uint Spurious = 1023;

    private readonly Gicv3 _gic;
    private uint[] _intId = new uint[16];
    private byte[] _priority = new byte[16];
    private ulong[] _doorbell = new ulong[16];
    private ulong[] _signalled = new ulong[16];
    private int _count;
    private readonly bool _autoAcknowledge;
    private readonly GicDelivery[] _log;
    private long _logged;
    private int _logNext;
    private readonly long[]?[] _counts;   // per INTID, in chunks of 1024 allocated on first use

    internal GicCpuInterface(Gicv3 gic, int cpu)
    {
        _gic = gic;
        _autoAcknowledge = gic.Config.AutoAcknowledge;
        Cpu = cpu;
        _log = new GicDelivery[gic.Config.DeliveryLogCapacity];
        _counts = new long[]?[((1 << gic.Config.LpiIdBits) + 1023) / 1024];
    }

    /// <summary>The processor number.</summary>
    public int Cpu { get; }

    /// <summary>Interrupts waiting to be acknowledged.</summary>
    public int PendingCount => _count;

    /// <summary>Interrupts acknowledged so far.</summary>
    public long Delivered => _logged;

    /// <summary>Sum of doorbell-to-CPU-interface latencies of delivered interrupts, in picoseconds.</summary>
    public ulong TotalLatencyPs { get; private set; }

    /// <summary>Largest doorbell-to-CPU-interface latency seen, in picoseconds.</summary>
    public ulong MaxLatencyPs { get; private set; }

    /// <summary>Number of times <paramref name="intId"/> was delivered to this CPU.</summary>
    public long Count(uint intId)
    {
        if (intId >= (uint)_counts.Length * 1024) return 0;
        var chunk = _counts[intId >> 10];
        return chunk is null ? 0 : chunk[intId & 1023];
    }

    /// <summary>True when <paramref name="intId"/> is waiting to be acknowledged.</summary>
    public bool IsSignalled(uint intId)
    {
        for (int i = 0; i < _count; i++) if (_intId[i] == intId) return true;
        return false;
    }

    /// <summary>
    /// An interrupt became pending and enabled for this CPU (called by the redistributor/distributor). Returns true
    /// when the CPU acknowledged it at once (<see cref="GicConfig.AutoAcknowledge"/>): the caller then clears the
    /// pending state itself, which spares the pending-table write and re-read of a set-then-clear.
    /// </summary>
    internal bool Signal(uint intId, byte priority, ulong doorbellPs, ulong signalledPs)
    {
        if (_autoAcknowledge)
        {
            Record(intId, doorbellPs, signalledPs, signalledPs);
            return true;
        }
        if (_count == _intId.Length) Grow();
        _intId[_count] = intId;
        _priority[_count] = priority;
        _doorbell[_count] = doorbellPs;
        _signalled[_count] = signalledPs;
        _count++;
        return false;
    }

    /// <summary>The interrupt stopped being deliverable (cleared, disabled, moved) before it was acknowledged.</summary>
    internal void Retract(uint intId)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_intId[i] != intId) continue;
            _count--;
            _intId[i] = _intId[_count];
            _priority[i] = _priority[_count];
            _doorbell[i] = _doorbell[_count];
            _signalled[i] = _signalled[_count];
            return;
        }
    }

    private void Grow()
    {
        int n = _intId.Length * 2;
        Array.Resize(ref _intId, n);
        Array.Resize(ref _priority, n);
        Array.Resize(ref _doorbell, n);
        Array.Resize(ref _signalled, n);
    }

    /// <summary>
    /// Acknowledges the highest-priority pending interrupt at <paramref name="nowPs"/> (ICC_IAR1_EL1): its pending
    /// state is cleared at the source and the delivery recorded. Returns <see cref="Spurious"/> when none is pending.
    /// </summary>
    public uint Acknowledge(ulong nowPs = 0)
    {
        if (_count == 0) return Spurious;
        int best = 0;
        for (int i = 1; i < _count; i++)
            if (_priority[i] < _priority[best] || (_priority[i] == _priority[best] && _intId[i] < _intId[best])) best = i;
        uint intId = _intId[best];
        ulong doorbell = _doorbell[best], signalled = _signalled[best];
        Retract(intId);
        Deliver(intId, doorbell, signalled, Math.Max(nowPs, signalled));
        return intId;
    }

    /// <summary>Acknowledges until nothing is pending; returns how many were taken.</summary>
    public int AcknowledgeAll(ulong nowPs = 0)
    {
        int n = 0;
        while (Acknowledge(nowPs) != Spurious) n++;
        return n;
    }

    private void Deliver(uint intId, ulong doorbellPs, ulong signalledPs, ulong ackPs)
    {
        // LPIs have no active state: acknowledging clears the pending bit (IHI 0069 §5.1); SPIs are edge here.
        if (intId >= 8192) _gic.Redistributors[Cpu].ClearPendingOnAcknowledge(intId);
        else _gic.Distributor.ClearPendingOnAcknowledge(intId);
        Record(intId, doorbellPs, signalledPs, ackPs);
    }

    private void Record(uint intId, ulong doorbellPs, ulong signalledPs, ulong ackPs)
    {
        var d = new GicDelivery(intId, Cpu, doorbellPs, signalledPs, ackPs);
        _log[_logNext] = d;
        if (++_logNext == _log.Length) _logNext = 0;
        _logged++;
        ulong lat = signalledPs - doorbellPs;
        TotalLatencyPs += lat;
        if (lat > MaxLatencyPs) MaxLatencyPs = lat;
        if (intId < (uint)_counts.Length * 1024)
        {
            var chunk = _counts[intId >> 10] ??= new long[1024];
            chunk[intId & 1023]++;
        }
        _gic.Observer?.OnInterruptDelivered(in d);
    }

    /// <summary>The most recent deliveries, oldest first (up to the log capacity).</summary>
    public GicDelivery[] RecentDeliveries()
    {
        int n = (int)Math.Min(_logged, _log.Length);
        var result = new GicDelivery[n];
        for (int i = 0; i < n; i++) result[i] = _log[(int)((_logged - n + i) % _log.Length)];
        return result;
    }

    /// <summary>Forgets deliveries, counts and pending interrupts.</summary>
    public void ResetStatistics()
    {
        _logged = 0;
        _logNext = 0;
        TotalLatencyPs = 0;
        MaxLatencyPs = 0;
        foreach (var c in _counts) if (c is not null) Array.Clear(c);
    }

    /// <summary>(INTID, count) pairs with a non-zero count, ascending.</summary>
    public IEnumerable<(uint IntId, long Count)> Counts()
    {
        for (int c = 0; c < _counts.Length; c++)
        {
            var chunk = _counts[c];
            if (chunk is null) continue;
            for (int i = 0; i < 1024; i++)
                if (chunk[i] != 0) yield return ((uint)(c * 1024 + i), chunk[i]);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"CPU{Cpu}: {_logged} delivered, {_count} pending");
}
