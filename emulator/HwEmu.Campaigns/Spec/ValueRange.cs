using System.Globalization;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Campaigns;

/// <summary>
/// An integer parameter of a fault: a fixed value (<c>5</c>) or an inclusive range (<c>[0, 63]</c>) from which each
/// run draws uniformly with its own random stream.
/// </summary>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value (equal to <paramref name="Min"/> for a fixed value).</param>
public readonly record struct ValueRange(long Min, long Max)
{
    /// <summary>A fixed value.</summary>
    public static ValueRange Of(long value) => new(value, value);

    /// <summary>True when the range holds one value.</summary>
    public bool IsFixed => Min == Max;

    /// <summary>Draws a value (always consumes one random number so plans stay aligned whatever the range).</summary>
    public long Draw(DeterministicRandom random)
    {
        ulong r = random.NextUInt64();
        ulong span = (ulong)(Max - Min) + 1;
        return span == 0 ? (long)r : Min + (long)(r % span);
    }

    /// <inheritdoc/>
    public override string ToString() => IsFixed
        ? Min.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"[{Min}, {Max}]");
}
