using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Array-backed 4-ary min-heap of event entries: shallower than a binary heap, and the four children of a node are contiguous (96 bytes, 1.5 cache lines), which favours large pending sets (see docs/kernel.md).
/// </summary>
internal sealed class QuaternaryEventHeap : IEventHeap
{
    /// <summary>Children per node.</summary>
    public const int Arity = 4;

    private EventEntry[] _items;
    private int _count;

    public QuaternaryEventHeap(int initialCapacity = 64) => _items = new EventEntry[Math.Max(initialCapacity, 4)];

    public int Count => _count;

    public ref readonly EventEntry Root => ref _items[0];

    public Span<EventEntry> Entries => _items.AsSpan(0, _count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(in EventEntry entry)
    {
        if (_count == _items.Length) Grow();
        SiftUp(_count++, entry);
    }

    public void RemoveRoot()
    {
        int last = --_count;
        if (last > 0) SiftDown(0, _items[last]);
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
