namespace HwEmu.Traces.Replay;

/// <summary>One recomputed result that differs from the recorded expectation.</summary>
/// <param name="Record">Index of the record holding the expectation (or of the stimulus when there is none).</param>
/// <param name="Kind">"translation" or "msi".</param>
/// <param name="Detail">What differed: "expected ..., got ...".</param>
public sealed record ReplayMismatch(long Record, string Kind, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"record {Record}: {Kind}: {Detail}";
}
