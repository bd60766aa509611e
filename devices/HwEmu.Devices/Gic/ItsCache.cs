namespace HwEmu.Devices.Gic;

/// <summary>
/// A direct-mapped cache of ITS table entries (device, interrupt-translation or collection), keyed by a 64-bit
/// ID and holding a packed 64-bit value. Entries are invalidated only by the commands that architecturally make
/// the ITS re-read a table entry (MAPD, MAPC, MAPTI/MAPI, MOVI, DISCARD) and when the ITS is enabled.
/// </summary>
public sealed class ItsCache
{
    private readonly ulong[] _keys;
    private readonly ulong[] _values;
    private readonly bool[] _valid;
    private readonly int _shift;

    /// <summary>Creates a cache of <paramref name="entries"/> (a power of two; 0 = disabled).</summary>
    public ItsCache(int entries)
    {
        Entries = entries;
        _keys = new ulong[entries];
        _values = new ulong[entries];
        _valid = new bool[entries];
        _shift = entries <= 1 ? 63 : 64 - System.Numerics.BitOperations.Log2((uint)entries);
    }

    /// <summary>Capacity.</summary>
    public int Entries { get; }
    /// <summary>Lookups that hit.</summary>
    public long Hits { get; private set; }
    /// <summary>Lookups that missed.</summary>
    public long Misses { get; private set; }

    private int Index(ulong key) => Entries <= 1 ? 0 : (int)((key * 0x9E37_79B9_7F4A_7C15UL) >> _shift);

    /// <summary>Looks <paramref name="key"/> up.</summary>
    public bool TryGet(ulong key, out ulong value)
    {
        if (Entries == 0) { value = 0; return false; }
        int i = Index(key);
        if (_valid[i] && _keys[i] == key)
        {
            Hits++;
            value = _values[i];
            return true;
        }
        Misses++;
        value = 0;
        return false;
    }

    /// <summary>Fills the entry for <paramref name="key"/>, evicting whatever shared its slot.</summary>
    public void Put(ulong key, ulong value)
    {
        if (Entries == 0) return;
        int i = Index(key);
        _keys[i] = key;
        _values[i] = value;
        _valid[i] = true;
    }

    /// <summary>Drops the entry for <paramref name="key"/>.</summary>
    public void Invalidate(ulong key)
    {
        if (Entries == 0) return;
        int i = Index(key);
        if (_keys[i] == key) _valid[i] = false;
    }

    /// <summary>Drops every entry whose key matches <paramref name="match"/> under <paramref name="mask"/>.</summary>
    public void InvalidateMatching(ulong mask, ulong match)
    {
        for (int i = 0; i < _valid.Length; i++)
            if ((_keys[i] & mask) == match) _valid[i] = false;
    }

    /// <summary>Drops every entry.</summary>
    public void InvalidateAll() => Array.Clear(_valid);
}
