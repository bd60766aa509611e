namespace HwEmu.Devices.Pcie;

/// <summary>Parameters of one PCIe link (both directions have the same width and rate).</summary>
/// <param name="Generation">Link generation (sets the transfer rate and encoding).</param>
/// <param name="Width">Number of lanes: 1, 2, 4, 8, 16 or 32.</param>
/// <param name="MaxPayloadSize">Max_Payload_Size in bytes (128..4096, power of two).</param>
/// <param name="MaxReadRequestSize">Max_Read_Request_Size in bytes (128..4096, power of two).</param>
/// <param name="ReadCompletionBoundary">RCB of the completer in bytes (64 or 128).</param>
/// <param name="Tags">Outstanding non-posted requests the requester may have (tags: 32, 256 or up to 768 with 10-bit tags).</param>
/// <param name="PropagationPs">Fixed one-way latency of the link (PHY, retimers, DLL pipeline) in picoseconds.</param>
/// <param name="Ecrc">Whether TLPs carry the optional 4-byte end-to-end CRC.</param>
public sealed record PcieLinkConfig(
    PcieGeneration Generation = PcieGeneration.Gen4,
    int Width = 4,
    int MaxPayloadSize = 256,
    int MaxReadRequestSize = 512,
    int ReadCompletionBoundary = 64,
    int Tags = 256,
    ulong PropagationPs = 150_000,
    bool Ecrc = false)
{
    /// <summary>Transfer rate per lane in GT/s.</summary>
    public double GigaTransfersPerSecond => Generation switch
    {
        PcieGeneration.Gen1 => 2.5,
        PcieGeneration.Gen2 => 5.0,
        PcieGeneration.Gen3 => 8.0,
        PcieGeneration.Gen4 => 16.0,
        PcieGeneration.Gen5 => 32.0,
        _ => 64.0,
    };

    /// <summary>
    /// Fraction of the raw bit rate left after line encoding: 8/10 for 8b/10b, 128/130 for 128b/130b; for Gen6
    /// FLIT mode 236/256 (each 256-byte flit carries 236 TLP bytes, 6 DLLP bytes, 8 CRC and 6 FEC bytes) and PAM4
    /// carries 1 bit per transfer per lane as counted in GT/s.
    /// </summary>
    public double EncodingEfficiency => Generation switch
    {
        PcieGeneration.Gen1 or PcieGeneration.Gen2 => 8.0 / 10.0,
        PcieGeneration.Gen6 => 236.0 / 256.0,
        _ => 128.0 / 130.0,
    };

    /// <summary>
    /// Bytes of link-layer overhead per TLP besides its header: framing and sequence number and LCRC. Non-flit
    /// modes: STP/END symbols (Gen1/2) or the 4-byte STP token that holds the sequence number (Gen3+), plus the
    /// 4-byte LCRC = 8 bytes. Gen6 FLIT mode has no per-TLP framing (it is in the flit efficiency).
    /// </summary>
    public int FramingBytesPerTlp => (Generation == PcieGeneration.Gen6 ? 0 : 8) + (Ecrc ? 4 : 0);

    /// <summary>Usable bytes per nanosecond in each direction after encoding (before TLP overheads).</summary>
    public double BytesPerNanosecond => GigaTransfersPerSecond * Width * EncodingEfficiency / 8.0;

    /// <summary>Checks the parameters; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Generation)) throw new ArgumentException($"generation {(int)Generation} is not 1..6", nameof(Generation));
        if (Width is not (1 or 2 or 4 or 8 or 16 or 32)) throw new ArgumentException($"width x{Width} is not one of x1, x2, x4, x8, x16, x32", nameof(Width));
        CheckPow2(MaxPayloadSize, nameof(MaxPayloadSize));
        CheckPow2(MaxReadRequestSize, nameof(MaxReadRequestSize));
        if (ReadCompletionBoundary is not (64 or 128)) throw new ArgumentException($"read completion boundary {ReadCompletionBoundary} is not 64 or 128", nameof(ReadCompletionBoundary));
        if (Tags is < 1 or > 768) throw new ArgumentException($"tags {Tags} is not in 1..768", nameof(Tags));
    }

    private static void CheckPow2(int v, string name)
    {
        if (v is < 128 or > 4096 || (v & (v - 1)) != 0) throw new ArgumentException($"{name} {v} is not a power of two in 128..4096", name);
    }
}
