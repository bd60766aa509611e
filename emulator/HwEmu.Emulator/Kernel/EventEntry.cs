using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// One entry of the event heap. Deliberately free of object references: heap sifts copy entries around, and a
/// struct without references is copied without GC write barriers. The handler and payload live in the
/// simulator's slot table at <see cref="Slot"/>.
/// </summary>
internal struct EventEntry
{
    /// <summary>Firing time in picoseconds.</summary>
    public ulong Time;

    /// <summary>Insertion sequence number: unique, increasing, the last tie-breaker.</summary>
    public ulong Sequence;

    /// <summary>Priority at equal time: lower values run first.</summary>
    public int Priority;

    /// <summary>Index in the simulator's slot table.</summary>
    public int Slot;

    public EventEntry(ulong time, int priority, ulong sequence, int slot)
    {
        Time = time;
        Priority = priority;
        Sequence = sequence;
        Slot = slot;
    }

    /// <summary>The total order of events: (time, priority, sequence) ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Precedes(in EventEntry a, in EventEntry b)
    {
        if (a.Time != b.Time) return a.Time < b.Time;
        if (a.Priority != b.Priority) return a.Priority < b.Priority;
        return a.Sequence < b.Sequence;
    }

    public override readonly string ToString() => $"t={Time} prio={Priority} seq={Sequence} slot={Slot}";
}
