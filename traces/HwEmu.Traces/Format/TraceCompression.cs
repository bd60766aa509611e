namespace HwEmu.Traces.Format;

/// <summary>Whole-stream compression applied to the framed blocks after the 12-byte preamble.</summary>
public enum TraceCompression : byte
{
    /// <summary>No compression: blocks follow the preamble directly.</summary>
    None = 0,
    /// <summary>The block stream is one GZip stream (RFC 1952).</summary>
    GZip = 1,
    /// <summary>The block stream is one Brotli stream (RFC 7932).</summary>
    Brotli = 2,
}
