namespace HwEmu.Traces.Qemu;

/// <summary>A QEMU trace log line of a known event whose arguments do not have the expected format, or an
/// unreadable RAM image. The message names the file, the line number, the event and the field.</summary>
public sealed class QemuLogFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">File name.</param>
    /// <param name="line">1-based line number (0 when the problem is not on a line).</param>
    /// <param name="detail">What was wrong.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public QemuLogFormatException(string file, long line, string detail, Exception? inner = null)
        : base(line > 0 ? $"{file}:{line}: {detail}" : $"{file}: {detail}", inner)
    {
        File = file;
        Line = line;
        Detail = detail;
    }

    /// <summary>File name.</summary>
    public string File { get; }
    /// <summary>1-based line number, or 0.</summary>
    public long Line { get; }
    /// <summary>The message without the location.</summary>
    public string Detail { get; }
}
