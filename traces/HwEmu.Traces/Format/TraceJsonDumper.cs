using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// Writes records as JSON lines (<c>hwemu trace dump --from N --count M --jsonl</c>): one object per record with
/// <c>index</c>, <c>offset</c>, <c>type</c> and the named fields of <see cref="TraceRecordSchema"/>; addresses and
/// IDs as "0x..." strings, enums by name, byte fields as hex. Unknown record types are dumped generically as
/// <c>fields</c>; fields appended by a newer format version appear under <c>extra</c>.
/// </summary>
public static class TraceJsonDumper
{
    /// <summary>Dumps records [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) and
    /// returns how many were written. A corrupt record throws <see cref="TraceFormatException"/> after the lines
    /// before it have been written.</summary>
    public static long Write(TraceReader reader, TextWriter output, long from = 0, long count = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var buffer = new ArrayBufferWriter<byte>(1024);
        long written = 0;
        if (from == 0 && count > 0)
        {
            // The reader has consumed the header record while opening; dump it from the parsed header.
            WriteHeaderLine(reader.Header, buffer, output);
            written++;
        }
        while (written < count && reader.TryReadNext(out TraceRecord record))
        {
            if (record.Index < from)
            {
                continue;
            }
            buffer.Clear();
            using (var json = new Utf8JsonWriter(buffer))
            {
                WriteRecord(record, json);
            }
            output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
            written++;
        }
        return written;
    }

    /// <summary>Writes one record as a JSON object.</summary>
    public static void WriteRecord(TraceRecord record, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        MessagePackReader r = record.CreatePayloadReader(out int fieldCount);
        json.WriteStartObject();
        json.WriteNumber("index", record.Index);
        json.WriteNumber("offset", record.Offset);
        ReadOnlySpan<(string Name, TraceFieldKind Kind)> schema = TraceRecordSchema.Fields(record.RawType);
        if (record.IsKnownType)
        {
            json.WriteString("type", TraceRecordSchema.TypeName(record.RawType));
        }
        else
        {
            json.WriteNumber("type", record.RawType);
        }
        if (!record.Verified)
        {
            json.WriteBoolean("unverified", true);
        }
        try
        {
            int named = Math.Min(fieldCount, schema.Length);
            for (int i = 0; i < named; i++)
            {
                json.WritePropertyName(schema[i].Name);
                WriteField(ref r, schema[i].Kind, json);
            }
            if (fieldCount > named)
            {
                json.WriteStartArray(schema.Length == 0 ? "fields" : "extra");
                for (int i = named; i < fieldCount; i++)
                {
                    WriteValue(ref r, json, 0);
                }
                json.WriteEndArray();
            }
        }
        catch (MessagePackFormatException e)
        {
            throw new TraceFormatException(e.Offset, record.Index, e.Detail, e);
        }
        json.WriteEndObject();
    }

    private static void WriteHeaderLine(TraceHeader h, ArrayBufferWriter<byte> buffer, TextWriter output)
    {
        buffer.Clear();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteNumber("offset", TraceFileLayout.PreambleSize + TraceFileLayout.BlockHeaderSize);
            json.WriteString("type", "Header");
            json.WriteNumber("formatVersion", h.FormatVersion);
            json.WriteString("emulatorVersion", h.EmulatorVersion);
            json.WriteString("platform", h.Platform);
            json.WriteString("scenario", h.Scenario);
            json.WriteString("seed", "0x" + h.Seed.ToString("x", CultureInfo.InvariantCulture));
            json.WriteString("timeUnit", h.TimeUnit);
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteField(ref MessagePackReader r, TraceFieldKind kind, Utf8JsonWriter json)
    {
        MessagePackType t = r.NextType;
        byte c = r.NextCode;
        if (t == MessagePackType.Integer && (c <= MessagePackCode.MaxFixInt || (c >= MessagePackCode.UInt8 && c <= MessagePackCode.UInt64)))
        {
            ulong v = r.ReadUInt64();
            string? name = kind switch
            {
                TraceFieldKind.Hex => "0x" + v.ToString("x", CultureInfo.InvariantCulture),
                TraceFieldKind.DmaDirection => ((DmaDirection)v).ToString(),
                TraceFieldKind.DmaAttributes => ((DmaAttributes)v).ToString(),
                TraceFieldKind.Permissions => ((AccessPermissions)v).ToString(),
                TraceFieldKind.TranslationSource => ((TranslationSource)v).ToString(),
                TraceFieldKind.FaultAction => ((FaultAction)v).ToString(),
                TraceFieldKind.InterruptSource => ((InterruptSource)v).ToString(),
                TraceFieldKind.MemoryStructure => ((MemoryStructure)v).ToString(),
                TraceFieldKind.SmmuOpcode => v <= byte.MaxValue ? SmmuCommandNames.Name((byte)v) : null,
                TraceFieldKind.ItsOpcode => v <= byte.MaxValue ? ItsCommandNames.Name((byte)v) : null,
                _ => null,
            };
            if (name is null && kind is TraceFieldKind.SmmuOpcode or TraceFieldKind.ItsOpcode)
            {
                name = "0x" + v.ToString("x2", CultureInfo.InvariantCulture);
            }
            if (name is null)
            {
                json.WriteNumberValue(v);
            }
            else
            {
                json.WriteStringValue(name);
            }
            return;
        }
        WriteValue(ref r, json, 0);
    }

    /// <summary>Writes any MessagePack value as JSON (bin as hex, ext as {ext, data}, timestamp as {seconds,
    /// nanoseconds}, maps with non-string keys as arrays of [key, value]).</summary>
    private static void WriteValue(ref MessagePackReader r, Utf8JsonWriter json, int depth)
    {
        if (depth > r.MaxDepth)
        {
            throw new MessagePackFormatException(r.Offset, $"nesting deeper than the limit of {r.MaxDepth}");
        }
        switch (r.NextType)
        {
            case MessagePackType.Nil:
                r.ReadNil();
                json.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(r.ReadBoolean());
                break;
            case MessagePackType.Integer:
                if (r.NextCode >= MessagePackCode.MinNegativeFixInt || (r.NextCode >= MessagePackCode.Int8 && r.NextCode <= MessagePackCode.Int64))
                {
                    json.WriteNumberValue(r.ReadInt64());
                }
                else
                {
                    json.WriteNumberValue(r.ReadUInt64());
                }
                break;
            case MessagePackType.Float:
                double d = r.ReadDouble();
                if (double.IsFinite(d))
                {
                    json.WriteNumberValue(d);
                }
                else
                {
                    json.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                }
                break;
            case MessagePackType.String:
                json.WriteStringValue(r.ReadStringUtf8());
                break;
            case MessagePackType.Binary:
                json.WriteStringValue(Convert.ToHexString(r.ReadBinary()).ToLowerInvariant());
                break;
            case MessagePackType.Extension:
                int start = r.Position;
                ExtensionHeader h = r.ReadExtensionHeader();
                if (h.Type == MessagePackCode.TimestampType)
                {
                    r.Position = start;
                    r.ReadTimestamp(out long sec, out uint ns);
                    json.WriteStartObject();
                    json.WriteNumber("seconds", sec);
                    json.WriteNumber("nanoseconds", ns);
                    json.WriteEndObject();
                }
                else
                {
                    r.Position = start;
                    ReadOnlySpan<byte> data = r.ReadExtension(out sbyte type);
                    json.WriteStartObject();
                    json.WriteNumber("ext", type);
                    json.WriteString("data", Convert.ToHexString(data).ToLowerInvariant());
                    json.WriteEndObject();
                }
                break;
            case MessagePackType.Array:
                int n = r.ReadArrayHeader();
                json.WriteStartArray();
                for (int i = 0; i < n; i++)
                {
                    WriteValue(ref r, json, depth + 1);
                }
                json.WriteEndArray();
                break;
            case MessagePackType.Map:
                int pairs = r.ReadMapHeader();
                json.WriteStartArray();
                for (int i = 0; i < pairs; i++)
                {
                    json.WriteStartArray();
                    WriteValue(ref r, json, depth + 1);
                    WriteValue(ref r, json, depth + 1);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                break;
            default:
                r.Skip(); // throws for 0xc1
                break;
        }
    }
}
