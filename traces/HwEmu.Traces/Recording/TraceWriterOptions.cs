using System.IO.Compression;
using HwEmu.Traces.Format;

namespace HwEmu.Traces.Recording;

/// <summary>Options of <see cref="TraceWriter"/> and <see cref="TraceRecorder"/>.</summary>
public sealed record TraceWriterOptions
{
    /// <summary>Payload size at which a block is sealed and written.</summary>
    public int BlockSize { get; init; } = TraceFileLayout.DefaultBlockSize;

    /// <summary>Whole-stream compression of the blocks.</summary>
    public TraceCompression Compression { get; init; } = TraceCompression.None;

    /// <summary>Compression level when <see cref="Compression"/> is not None.</summary>
    public CompressionLevel CompressionLevel { get; init; } = CompressionLevel.Fastest;
}
