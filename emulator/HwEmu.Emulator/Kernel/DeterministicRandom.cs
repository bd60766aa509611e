using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// A seeded pseudo-random stream for one simulation component: xoshiro256** (Blackman and Vigna, 2018) whose state
/// is filled by SplitMix64 from the run seed and a stable 64-bit FNV-1a hash of the component's UTF-8 name.
/// </summary>
/// <remarks>
/// The stream for a given (seed, component name) is part of the trace-replay contract: a recorded run is replayed
/// by re-running it with the same seed, so the seeding, the generator and every method's use of raw outputs
/// (<see cref="Next"/>, <see cref="NextDouble"/>, <see cref="Fill"/>) must never change. Tests pin golden values.
/// The name is hashed with FNV-1a rather than <see cref="string.GetHashCode()"/>, which is randomised per process.
/// Not thread-safe (one run is one thread).
/// </remarks>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates the stream of component <paramref name="componentName"/> in a run seeded with <paramref name="seed"/>.</summary>
    public DeterministicRandom(ulong seed, string componentName)
    {
        ArgumentNullException.ThrowIfNull(componentName);
        ComponentName = componentName;
        Seed = seed;
        ulong sm = seed ^ StableHash(componentName);
        _s0 = SplitMix64(ref sm);
        _s1 = SplitMix64(ref sm);
        _s2 = SplitMix64(ref sm);
        _s3 = SplitMix64(ref sm);
        // SplitMix64 is a bijection of its counter, so four consecutive outputs are never all zero; keep the guard
        // that xoshiro needs anyway.
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    /// <summary>Creates a generator from a raw xoshiro256** state (reference-vector tests).</summary>
    internal DeterministicRandom(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        ComponentName = "";
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>The component name the stream was derived from.</summary>
    public string ComponentName { get; }

    /// <summary>The run seed the stream was derived from.</summary>
    public ulong Seed { get; }

    /// <summary>64-bit FNV-1a of the UTF-8 bytes of <paramref name="name"/>: stable across processes and platforms.</summary>
    public static ulong StableHash(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ulong h = 0xcbf29ce484222325UL;
        Span<byte> buffer = stackalloc byte[4];
        foreach (Rune r in name.EnumerateRunes())
        {
            int n = r.EncodeToUtf8(buffer);
            for (int i = 0; i < n; i++)
            {
                h ^= buffer[i];
                h *= 0x100000001b3UL;
            }
        }
        return h;
    }

    /// <summary>One step of SplitMix64 (Steele, Lea, Flood 2014) on <paramref name="state"/>.</summary>
    internal static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9e3779b97f4a7c15UL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>
    /// A uniformly distributed value in [0, <paramref name="bound"/>), without modulo bias (Lemire's
    /// multiply-and-reject method, which consumes one raw output except in rare rejections).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is 0.</exception>
    public ulong Next(ulong bound)
    {
        if (bound == 0) throw new ArgumentOutOfRangeException(nameof(bound), "bound must be positive");
        ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
        if (low < bound)
        {
            ulong threshold = (0 - bound) % bound; // 2^64 mod bound
            while (low < threshold)
                high = Math.BigMul(NextUInt64(), bound, out low);
        }
        return high;
    }

    /// <summary>A uniformly distributed double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fills <paramref name="destination"/> with random bytes: each raw output supplies 8 bytes, little-endian.</summary>
    public void Fill(Span<byte> destination)
    {
        while (destination.Length >= 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, NextUInt64());
            destination = destination[8..];
        }
        if (!destination.IsEmpty)
        {
            ulong v = NextUInt64();
            for (int i = 0; i < destination.Length; i++)
                destination[i] = (byte)(v >> (8 * i));
        }
    }
}
