using System.Collections;

namespace HwEmu.Devices.Platform;

/// <summary>
/// An immutable list with value equality (element-wise), so scenario records compare equal when their contents do:
/// a scenario loaded from JSON equals the one built in C#.
/// </summary>
/// <typeparam name="T">Element type (records, strings, numbers).</typeparam>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    /// <summary>The empty list.</summary>
    public static ValueList<T> Empty { get; } = new([]);

    /// <summary>Creates a list holding a copy of <paramref name="items"/>.</summary>
    public ValueList(IEnumerable<T> items) => _items = items.ToArray();

    /// <summary>Element <paramref name="index"/>.</summary>
    public T this[int index] => _items[index];

    /// <summary>Number of elements.</summary>
    public int Count => _items.Length;

    /// <summary>Element-wise equality with <see cref="EqualityComparer{T}.Default"/>.</summary>
    public bool Equals(ValueList<T>? other)
    {
        if (other is null || other._items.Length != _items.Length) return false;
        for (int i = 0; i < _items.Length; i++)
            if (!EqualityComparer<T>.Default.Equals(_items[i], other._items[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (T item in _items) h.Add(item);
        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>Implicit conversion from an array (for readable C# scenario factories).</summary>
    public static implicit operator ValueList<T>(T[] items) => new(items);

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}
