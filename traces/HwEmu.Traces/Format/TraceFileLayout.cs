namespace HwEmu.Traces.Format;

/// <summary>
/// Constants of the trace file layout (docs/trace-format.md). A file is a 12-byte preamble (magic "HWEMUTRC",
/// u16 LE format version, u8 <see cref="TraceCompression"/>, u8 reserved = 0) followed by a stream of blocks, the
/// whole stream optionally compressed. A block is a 24-byte little-endian frame (sync "HWBK", payload length, record
/// count, index of its first record, CRC-32C over frame bytes 4..19 and the payload) then the payload: records
/// back to back, each one MessagePack array.
/// </summary>
public static class TraceFileLayout
{
    /// <summary>The 8 magic bytes at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "HWEMUTRC"u8;

    /// <summary>Format version written by this code; readers reject a higher one.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>Size of the preamble.</summary>
    public const int PreambleSize = 12;

    /// <summary>Size of a block frame.</summary>
    public const int BlockHeaderSize = 24;

    /// <summary>The block sync marker: bytes "HWBK" read as a little-endian u32.</summary>
    public const uint BlockSync = 0x4B425748;

    /// <summary>Largest payload a block may declare; a reader rejects more without allocating.</summary>
    public const int MaxBlockPayload = 16 << 20;

    /// <summary>Default payload size at which a writer seals a block.</summary>
    public const int DefaultBlockSize = 64 << 10;

    /// <summary>Simulated time unit of every record's time field.</summary>
    public const string TimeUnit = "ps";
}
