namespace HwEmu.Traces.MessagePack;

/// <summary>
/// Malformed MessagePack input: a reserved first byte (0xc1), truncation, a length that cannot fit in the remaining
/// bytes, nesting deeper than the reader's limit, a value of the wrong type or out of range for the requested type.
/// </summary>
public sealed class MessagePackFormatException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with the byte offset.</summary>
    /// <param name="offset">Byte offset (from the reader's base offset) of the offending token.</param>
    /// <param name="message">What was wrong.</param>
    public MessagePackFormatException(long offset, string message)
        : base($"MessagePack error at byte offset {offset}: {message}")
    {
        Offset = offset;
        Detail = message;
    }

    /// <summary>Byte offset of the offending token.</summary>
    public long Offset { get; }

    /// <summary>The message without the offset prefix.</summary>
    public string Detail { get; }
}
