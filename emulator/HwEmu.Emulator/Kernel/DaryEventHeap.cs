using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Kernel;

/// <summary>Number of children per node of a <see cref="DaryEventHeap{TArity}"/>, as a type so the JIT folds it.</summary>
internal interface IHeapArity
{
    static abstract int Value { get; }
}

/// <summary>Two children per node: a binary heap (the structure of the radix queue's current bucket).</summary>
internal readonly struct BinaryArity : IHeapArity
{
    public static int Value => 2;
}

/// <summary>
/// Four children per node: shallower than a binary heap, and the four children of a node are contiguous (96 bytes,
/// 1.5 cache lines), which favours large pending sets.
/// </summary>
internal readonly struct QuaternaryArity : IHeapArity
{
    public static int Value => 4;
}

/// <summary>
/// Array-backed d-ary min-heap of event entries; the arity is a struct type argument so each instantiation is
/// compiled with a constant arity (candidate queue structures compared in docs/kernel.md).
/// </summary>
internal sealed class DaryEventHeap<TArity> : IEventHeap where TArity : struct, IHeapArity
{
    /// <summary>Children per node.</summary>
    private static int Arity => TArity.Value;

    private EventEntry[] _items;
    private int _count;

    public DaryEventHeap(int initialCapacity = 64) => _items = new EventEntry[Math.Max(initialCapacity, 4)];

    public int Count => _count;

    public ref readonly EventEntry Root => ref _items[0];

    public Span<EventEntry> Entries => _items.AsSpan(0, _count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(in EventEntry entry)
    {
        if (_count == _items.Length) Grow();
        SiftUp(_count++, entry);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RemoveRoot()
    {
        int last = --_count;
        // One or two entries (the calendar queue's usual current bucket): no sift.
        if (last == 1) _items[0] = _items[1];
        else if (last > 1) SiftDown(0, _items[last]);
    }

    public void ReplaceRoot(in EventEntry entry) => SiftDown(0, entry);

    public void Rebuild(int count)
    {
        _count = count;
        // Floyd's bottom-up heap construction: O(n).
        for (int i = (count - 2) / Arity; i >= 0; i--)
            SiftDown(i, _items[i]);
    }

    public void Clear() => _count = 0;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow() => Array.Resize(ref _items, _items.Length * 2);

    private void SiftUp(int index, EventEntry entry)
    {
        var items = _items;
        while (index > 0)
        {
            int parent = (index - 1) / Arity;
            if (!EventEntry.Precedes(entry, items[parent])) break;
            items[index] = items[parent];
            index = parent;
        }
        items[index] = entry;
    }

    /// <summary>Places <paramref name="entry"/> at <paramref name="index"/> and moves it down to its place.</summary>
    private void SiftDown(int index, EventEntry entry)
    {
        var items = _items;
        int count = _count;
        while (true)
        {
            int first = index * Arity + 1;
            if (first >= count) break;
            int min = first;
            int end = Math.Min(first + Arity, count);
            for (int c = first + 1; c < end; c++)
                if (EventEntry.Precedes(items[c], items[min])) min = c;
            if (!EventEntry.Precedes(items[min], entry)) break;
            items[index] = items[min];
            index = min;
        }
        items[index] = entry;
    }
}
