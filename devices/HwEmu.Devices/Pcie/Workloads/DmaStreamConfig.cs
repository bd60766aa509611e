namespace HwEmu.Devices.Pcie;

/// <summary>Address pattern of a DMA stream.</summary>
public enum DmaPattern : byte
{
    /// <summary>Consecutive transfers wrapping at the end of the working set.</summary>
    Sequential,
    /// <summary>Uniformly random transfer-aligned slots.</summary>
    Random,
    /// <summary>Zipf-distributed slots (slot 0 hottest), Gray et al. SIGMOD 1994 generator.</summary>
    Zipf,
}

/// <summary>Parameters of a <see cref="DmaStreamGenerator"/>.</summary>
/// <param name="BaseAddress">First IOVA of the buffer the transfers range over.</param>
/// <param name="WorkingSet">Bytes of that buffer.</param>
/// <param name="TransferSize">Bytes per transfer (transfers are aligned to it within the buffer).</param>
/// <param name="ReadFraction">Probability that a transfer is a read, in [0, 1].</param>
/// <param name="Pattern">Address pattern.</param>
/// <param name="RatePerSecond">Open-loop issue rate (0 = closed loop).</param>
/// <param name="QueueDepth">Closed-loop maximum outstanding transfers.</param>
/// <param name="ZipfTheta">Zipf skew in [0, 1) (0 behaves as uniform).</param>
public sealed record DmaStreamConfig(
    ulong BaseAddress,
    ulong WorkingSet,
    ulong TransferSize,
    double ReadFraction = 1.0,
    DmaPattern Pattern = DmaPattern.Random,
    double RatePerSecond = 0,
    int QueueDepth = 32,
    double ZipfTheta = 0.99)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad parameter.</summary>
    public void Validate()
    {
        if (TransferSize == 0 || TransferSize > int.MaxValue) throw new ArgumentException("transfer size must be in 1..2^31-1", nameof(TransferSize));
        if (WorkingSet < TransferSize) throw new ArgumentException("working set smaller than one transfer", nameof(WorkingSet));
        if (!(ReadFraction >= 0 && ReadFraction <= 1)) throw new ArgumentException("read fraction must be in [0, 1]", nameof(ReadFraction));
        if (!(RatePerSecond >= 0) || double.IsInfinity(RatePerSecond)) throw new ArgumentException("rate must be finite and non-negative", nameof(RatePerSecond));
        if (QueueDepth < 1) throw new ArgumentException("queue depth must be positive", nameof(QueueDepth));
        if (!(ZipfTheta >= 0 && ZipfTheta < 1)) throw new ArgumentException("zipf theta must be in [0, 1)", nameof(ZipfTheta));
        if (BaseAddress + WorkingSet < BaseAddress) throw new ArgumentException("buffer wraps around 2^64", nameof(BaseAddress));
    }
}
