namespace HwEmu.Devices.Smmu;

/// <summary>
/// Set-associative cache of decoded stream configurations (STE + CD) keyed by StreamID and SubstreamID (gem5
/// ConfigCache: 64 entries, 4 ways). Invalidated by the CFGI_* commands.
/// </summary>
public sealed class ConfigCache
{
    /// <summary>Key used for traffic without a SubstreamID.</summary>
    public const uint NoSubstream = 0xffff_ffff;

    private readonly StreamConfig[] _configs;
    private readonly uint[] _sid;
    private readonly uint[] _ssid;
    private readonly bool[] _valid;
    private readonly int _ways, _sets, _setMask;
    private readonly ReplacementState _repl;

    /// <summary>Creates the cache.</summary>
    public ConfigCache(CacheGeometry geometry, ulong seed)
    {
        _ways = geometry.EffectiveWays;
        _sets = geometry.Sets;
        _setMask = _sets > 0 && (_sets & (_sets - 1)) == 0 ? _sets - 1 : -1;
        int n = _sets * _ways;
        _configs = new StreamConfig[n];
        _sid = new uint[n];
        _ssid = new uint[n];
        _valid = new bool[n];
        _repl = new ReplacementState(geometry.Policy, Math.Max(_sets, 1), Math.Max(_ways, 1), seed);
    }

    /// <summary>Lookups that hit.</summary>
    public long Hits => _hits;
    /// <summary>Lookups that missed.</summary>
    public long Misses => _misses;

    private long _hits, _misses;
    // Last hit: a stream issuing back-to-back transactions skips the set probe. Cleared on every change.
    private int _memoIdx = -1;
    private uint _memoSid, _memoSsid;
    // Valid entries keyed by a real SubstreamID: while there are none, a StreamID's entries all sit in the set of
    // (StreamID, NoSubstream) and CFGI_STE can probe that set instead of scanning.
    private int _substreamEntries;

    /// <summary>Invalidations that scanned every entry (diagnostics).</summary>
    public long Scans { get; private set; }

    /// <summary>Number of valid entries.</summary>
    public int Count { get { int n = 0; foreach (bool v in _valid) if (v) n++; return n; } }

    private int SetOf(uint sid, uint ssid)
    {
        uint h = sid ^ (ssid * 0x9e3779b1u);
        return _setMask >= 0 ? (int)(h & (uint)_setMask) : (int)(h % (uint)_sets);
    }

    /// <summary>Index of the entry for (<paramref name="sid"/>, <paramref name="ssid"/>) or -1.</summary>
    public int Lookup(uint sid, uint ssid)
    {
        if (_memoIdx >= 0 && _memoSid == sid && _memoSsid == ssid)
        {
            _hits++;
            _repl.Touch(_memoIdx);
            return _memoIdx;
        }
        if (_sets == 0) { _misses++; return -1; }
        int i = SetOf(sid, ssid) * _ways, end = i + _ways;
        for (; i < end; i++)
        {
            if (_sid[i] == sid && _ssid[i] == ssid && _valid[i])
            {
                _hits++;
                _repl.Touch(i);
                _memoIdx = i; _memoSid = sid; _memoSsid = ssid;
                return i;
            }
        }
        _misses++;
        return -1;
    }

    /// <summary>Number of entry slots.</summary>
    public int Capacity => _valid.Length;

    /// <summary>Key of the valid entry in slot <paramref name="index"/>, or false when the slot is empty (diagnostics).</summary>
    public bool TryGetKey(int index, out uint sid, out uint ssid)
    {
        sid = _sid[index]; ssid = _ssid[index];
        return _valid[index];
    }

    /// <summary>The configuration at <paramref name="index"/>.</summary>
    public ref readonly StreamConfig this[int index] => ref _configs[index];

    /// <summary>Caches a configuration.</summary>
    public void Insert(uint sid, uint ssid, in StreamConfig config)
    {
        if (_sets == 0) return;
        int set = SetOf(sid, ssid), baseIdx = set * _ways, free = -1;
        for (int w = 0; w < _ways; w++)
            if (!_valid[baseIdx + w]) { free = w; break; }
        int idx = baseIdx + _repl.Victim(set, free);
        _memoIdx = -1;
        if (_valid[idx] && _ssid[idx] != NoSubstream) _substreamEntries--;
        if (ssid != NoSubstream) _substreamEntries++;
        _configs[idx] = config;
        _sid[idx] = sid;
        _ssid[idx] = ssid;
        _valid[idx] = true;
        _repl.Touch(idx);
    }

    /// <summary>Invalidates every SubstreamID of the StreamIDs in [<paramref name="first"/>, <paramref name="last"/>].</summary>
    public int InvalidateStreams(uint first, uint last)
    {
        int n = 0;
        _memoIdx = -1;
        if (_sets == 0 || first > last) return 0;
        if (_substreamEntries == 0 && last - first < (uint)_sets)
        {
            for (uint sid = first; ; sid++)
            {
                n += InvalidateInSet(SetOf(sid, NoSubstream), sid, NoSubstream, false);
                if (sid == last) break;
            }
            return n;
        }
        Scans++;
        for (int i = 0; i < _valid.Length; i++)
            if (_valid[i] && _sid[i] >= first && _sid[i] <= last) n += Drop(i);
        return n;
    }

    /// <summary>Invalidates one (StreamID, SubstreamID); the no-SubstreamID entry is also dropped for SubstreamID 0.</summary>
    public int InvalidateSubstream(uint sid, uint ssid)
    {
        _memoIdx = -1;
        if (_sets == 0) return 0;
        // An entry lives in the set its own key selects: probe (sid, ssid) and, for SubstreamID 0, (sid, none).
        int n = InvalidateInSet(SetOf(sid, ssid), sid, ssid, ssid == 0);
        if (ssid == 0)
        {
            int other = SetOf(sid, NoSubstream);
            if (other != SetOf(sid, ssid)) n += InvalidateInSet(other, sid, ssid, true);
        }
        return n;
    }

    private int InvalidateInSet(int set, uint sid, uint ssid, bool alsoNoSubstream)
    {
        int n = 0;
        for (int i = set * _ways, end = i + _ways; i < end; i++)
            if (_valid[i] && _sid[i] == sid && (_ssid[i] == ssid || alsoNoSubstream && _ssid[i] == NoSubstream)) n += Drop(i);
        return n;
    }

    private int Drop(int i)
    {
        _valid[i] = false;
        if (_ssid[i] != NoSubstream) _substreamEntries--;
        return 1;
    }

    /// <summary>Invalidates everything.</summary>
    public void InvalidateAll()
    {
        _memoIdx = -1;
        _substreamEntries = 0;
        Array.Clear(_valid);
    }
}
