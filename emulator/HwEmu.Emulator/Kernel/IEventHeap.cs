namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Common shape of the candidate event-queue structures, so tests and benchmarks can drive each one the same way.
/// The <see cref="Simulator"/> uses the chosen implementation through its concrete sealed type (no interface call).
/// </summary>
internal interface IEventHeap
{
    /// <summary>Entries held (including lazily cancelled ones the simulator has not removed yet).</summary>
    int Count { get; }

    /// <summary>The earliest entry; only valid when <see cref="Count"/> &gt; 0.</summary>
    ref readonly EventEntry Root { get; }

    /// <summary>Adds an entry.</summary>
    void Push(in EventEntry entry);

    /// <summary>Removes the earliest entry.</summary>
    void RemoveRoot();

    /// <summary>Removes the earliest entry and adds <paramref name="entry"/> with a single sift.</summary>
    void ReplaceRoot(in EventEntry entry);

    /// <summary>The backing entries [0, Count) in heap order, for filtering followed by <see cref="Rebuild"/>.</summary>
    Span<EventEntry> Entries { get; }

    /// <summary>Keeps the first <paramref name="count"/> entries of <see cref="Entries"/> and restores heap order.</summary>
    void Rebuild(int count);

    /// <summary>Removes everything.</summary>
    void Clear();
}
