namespace HwEmu.Traces.Format;

/// <summary>Options of <see cref="TraceReader"/>.</summary>
public sealed record TraceReaderOptions
{
    /// <summary>Maximum nesting of arrays/maps inside a record.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Throw a <see cref="TraceFormatException"/> at a truncated tail instead of ending the iteration and
    /// setting <see cref="TraceReader.IsTruncated"/>.</summary>
    public bool ThrowOnTruncation { get; init; }
}
