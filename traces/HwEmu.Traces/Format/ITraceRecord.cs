using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A trace record: a MessagePack array <c>[recordType, time, fields...]</c>. Implementations are readonly structs
/// that encode and decode without allocating.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface ITraceRecord<TSelf> where TSelf : ITraceRecord<TSelf>, allows ref struct
{
    /// <summary>The record type written as the first array element.</summary>
    static abstract TraceRecordType RecordType { get; }

    /// <summary>Simulated time of the record in picoseconds (the second array element).</summary>
    ulong Time { get; }

    /// <summary>Writes the whole record array.</summary>
    void Write(ref MessagePackWriter writer);

    /// <summary>
    /// Reads a record of this type from the start of its array. Returns false, leaving the reader where it was, when
    /// the next value is not an array whose first element is this record type or when it has fewer fields than this
    /// version of the format defines. Extra trailing fields (written by a newer version) are skipped. A field of the
    /// wrong MessagePack type throws <see cref="MessagePackFormatException"/>.
    /// </summary>
    static abstract bool TryRead(scoped ref MessagePackReader reader, out TSelf record);
}
