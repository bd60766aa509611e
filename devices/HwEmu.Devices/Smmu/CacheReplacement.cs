namespace HwEmu.Devices.Smmu;

/// <summary>Replacement policy of a set-associative SMMU cache (gem5 accepts "lru", "rr", "rand").</summary>
public enum CacheReplacement : byte
{
    /// <summary>Least recently used way.</summary>
    Lru,
    /// <summary>Round robin per set.</summary>
    RoundRobin,
    /// <summary>Pseudo-random way from a seeded generator (deterministic).</summary>
    Random,
}

/// <summary>Geometry and policy of one set-associative cache.</summary>
/// <param name="Entries">Total entries; 0 disables the cache.</param>
/// <param name="Ways">Associativity; 0 = fully associative.</param>
/// <param name="Policy">Replacement policy.</param>
public readonly record struct CacheGeometry(int Entries, int Ways, CacheReplacement Policy = CacheReplacement.RoundRobin)
{
    /// <summary>Effective number of ways.</summary>
    public int EffectiveWays => Entries == 0 ? 0 : Ways <= 0 || Ways > Entries ? Entries : Ways;

    /// <summary>Number of sets (entries rounded down to a multiple of the ways).</summary>
    public int Sets => Entries == 0 ? 0 : Math.Max(1, Entries / EffectiveWays);
}

/// <summary>
/// Victim selection shared by the SMMU caches: per-way LRU stamps, per-set round-robin pointers or a seeded
/// xorshift generator. Deterministic for a given seed and access sequence.
/// </summary>
internal sealed class ReplacementState
{
    private readonly CacheReplacement _policy;
    private readonly int _ways;
    private readonly ulong[] _stamps;
    private readonly int[] _next;
    private ulong _clock;
    private ulong _rng;

    public ReplacementState(CacheReplacement policy, int sets, int ways, ulong seed)
    {
        _policy = policy;
        _ways = ways;
        _stamps = policy == CacheReplacement.Lru ? new ulong[sets * ways] : [];
        _next = policy == CacheReplacement.RoundRobin ? new int[sets] : [];
        _rng = seed == 0 ? 0x9e3779b97f4a7c15UL : seed;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Touch(int index)
    {
        if (_policy == CacheReplacement.Lru) _stamps[index] = ++_clock;
    }

    /// <summary>Way to replace in <paramref name="set"/>; <paramref name="firstInvalid"/> (or -1) wins.</summary>
    public int Victim(int set, int firstInvalid)
    {
        if (firstInvalid >= 0) return firstInvalid;
        switch (_policy)
        {
            case CacheReplacement.Lru:
            {
                int baseIdx = set * _ways, best = 0;
                for (int w = 1; w < _ways; w++)
                    if (_stamps[baseIdx + w] < _stamps[baseIdx + best]) best = w;
                return best;
            }
            case CacheReplacement.RoundRobin:
            {
                int w = _next[set];
                _next[set] = w + 1 == _ways ? 0 : w + 1;
                return w;
            }
            default:
            {
                ulong x = _rng;
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                _rng = x;
                return (int)(x % (ulong)_ways);
            }
        }
    }

    public void Clear()
    {
        Array.Clear(_stamps);
        Array.Clear(_next);
        _clock = 0;
    }
}
