using System.Text.Json;

namespace HwEmu.Devices.Platform.Reporting;

/// <summary>
/// Streams a Chrome trace-event JSON timeline that ui.perfetto.dev opens:
/// <c>{"displayTimeUnit":"ns","traceEvents":[...]}</c>. Overlapping DMA transactions are async slices
/// ("b"/"e", same cat + id), walks and queue commands are complete events ("X", they nest on their track),
/// interrupts are instants ("i"), TLB hit rate and queue depths are counters ("C"); "M" events name the tracks.
/// Timestamps are microseconds with the fractional part carrying picoseconds exactly (six decimals at most).
/// Perfetto requires "X"/"B"/"E" events on one thread to nest, hence async slices for transactions.
/// </summary>
public sealed class PerfettoWriter : IDisposable
{
    private readonly Utf8JsonWriter _w;
    private readonly byte[] _ts = new byte[32];
    private bool _finished;

    /// <summary>Starts a trace on <paramref name="output"/> (left open when the writer is disposed).</summary>
    public PerfettoWriter(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false, SkipValidation = false });
        _w.WriteStartObject();
        _w.WriteString("displayTimeUnit", "ns");
        _w.WriteStartArray("traceEvents");
    }

    /// <summary>Events written so far.</summary>
    public long EventCount { get; private set; }

    /// <summary>Names process <paramref name="pid"/> (a component: an endpoint, the SMMU, the ITS).</summary>
    public void ProcessName(int pid, string name)
    {
        Begin("process_name", "M", pid, 0);
        _w.WriteStartObject("args");
        _w.WriteString("name", name);
        _w.WriteEndObject();
        End();
    }

    /// <summary>Names thread <paramref name="tid"/> of <paramref name="pid"/> (a queue, a StreamID, a CPU).</summary>
    public void ThreadName(int pid, int tid, string name)
    {
        Begin("thread_name", "M", pid, tid);
        _w.WriteStartObject("args");
        _w.WriteString("name", name);
        _w.WriteEndObject();
        End();
    }

    /// <summary>Begins async slice <paramref name="id"/> (a DMA transaction) on process <paramref name="pid"/>.</summary>
    public void AsyncBegin(int pid, string category, string name, ulong id, ulong timePs, string? argName = null, ulong argValue = 0)
    {
        Begin(name, "b", pid, 0);
        _w.WriteString("cat", category);
        _w.WriteNumber("id", id);
        Timestamp("ts", timePs);
        Args(argName, argValue);
        End();
    }

    /// <summary>Ends async slice <paramref name="id"/>; category and name must match the begin event.</summary>
    public void AsyncEnd(int pid, string category, string name, ulong id, ulong timePs)
    {
        Begin(name, "e", pid, 0);
        _w.WriteString("cat", category);
        _w.WriteNumber("id", id);
        Timestamp("ts", timePs);
        End();
    }

    /// <summary>A complete slice (a table walk, a command) of <paramref name="durationPs"/> on thread <paramref name="tid"/>.</summary>
    public void Complete(int pid, int tid, string category, string name, ulong startPs, ulong durationPs, string? argName = null, ulong argValue = 0)
    {
        Begin(name, "X", pid, tid);
        _w.WriteString("cat", category);
        Timestamp("ts", startPs);
        Timestamp("dur", durationPs);
        Args(argName, argValue);
        End();
    }

    /// <summary>A thread-scoped instant (an interrupt delivered to a CPU).</summary>
    public void Instant(int pid, int tid, string category, string name, ulong timePs, string? argName = null, ulong argValue = 0)
    {
        Begin(name, "i", pid, tid);
        _w.WriteString("cat", category);
        _w.WriteString("s", "t");
        Timestamp("ts", timePs);
        Args(argName, argValue);
        End();
    }

    /// <summary>A counter sample: series <paramref name="series"/> of counter <paramref name="name"/> (process-local).</summary>
    public void Counter(int pid, string name, ulong timePs, string series, double value)
    {
        Begin(name, "C", pid, 0);
        Timestamp("ts", timePs);
        _w.WriteStartObject("args");
        _w.WriteNumber(series, value);
        _w.WriteEndObject();
        End();
    }

    /// <summary>Closes the event array and the object and flushes. Idempotent.</summary>
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.Flush();
    }

    /// <summary>Finishes the trace and releases the JSON writer.</summary>
    public void Dispose()
    {
        Finish();
        _w.Dispose();
    }

    /// <summary>Formats picoseconds as microseconds: integer part, then up to six decimals without trailing zeros.</summary>
    public static int FormatMicroseconds(ulong ps, Span<byte> destination)
    {
        ulong whole = ps / 1_000_000;
        ulong frac = ps % 1_000_000;
        if (!System.Buffers.Text.Utf8Formatter.TryFormat(whole, destination, out int n))
            throw new ArgumentException("destination too small", nameof(destination));
        if (frac == 0) return n;
        destination[n++] = (byte)'.';
        int digits = 6;
        while (frac % 10 == 0) { frac /= 10; digits--; }
        for (int i = digits - 1; i >= 0; i--)
        {
            destination[n + i] = (byte)('0' + (int)(frac % 10));
            frac /= 10;
        }
        return n + digits;
    }

    private void Begin(string name, string phase, int pid, int tid)
    {
        if (_finished) throw new InvalidOperationException("the trace is finished");
        _w.WriteStartObject();
        _w.WriteString("name", name);
        _w.WriteString("ph", phase);
        _w.WriteNumber("pid", pid);
        _w.WriteNumber("tid", tid);
    }

    private void Timestamp(string property, ulong ps)
    {
        int n = FormatMicroseconds(ps, _ts);
        _w.WritePropertyName(property);
        _w.WriteRawValue(_ts.AsSpan(0, n), skipInputValidation: true);
    }

    private void Args(string? name, ulong value)
    {
        if (name is null) return;
        _w.WriteStartObject("args");
        _w.WriteNumber(name, value);
        _w.WriteEndObject();
    }

    private void End()
    {
        _w.WriteEndObject();
        EventCount++;
    }
}
