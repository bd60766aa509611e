namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Opaque reference to a scheduled event, used to cancel it. The default value refers to no event. A handle stays
/// safe to use after its event ran or was cancelled: <see cref="Simulator.Cancel"/> then simply returns false,
/// because every scheduled event has a sequence number that is never reused. A handle is only meaningful to the
/// simulator that returned it.
/// </summary>
public readonly struct EventHandle : IEquatable<EventHandle>
{
    internal EventHandle(ulong sequence, int slot)
    {
        Sequence = sequence;
        Slot = slot;
    }

    /// <summary>Insertion sequence number of the event (1-based; 0 = no event).</summary>
    internal ulong Sequence { get; }

    /// <summary>Index of the event's record in the simulator's slot table.</summary>
    internal int Slot { get; }

    /// <summary>True when the handle was returned by a schedule call (not the default value).</summary>
    public bool IsValid => Sequence != 0;

    /// <inheritdoc/>
    public bool Equals(EventHandle other) => Sequence == other.Sequence && Slot == other.Slot;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EventHandle h && Equals(h);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Sequence, Slot);

    /// <summary>Equality of handles.</summary>
    public static bool operator ==(EventHandle left, EventHandle right) => left.Equals(right);

    /// <summary>Inequality of handles.</summary>
    public static bool operator !=(EventHandle left, EventHandle right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => IsValid ? $"event #{Sequence}" : "no event";
}
