namespace HwEmu.Devices.Pcie;

/// <summary>
/// Timing of one PCIe link: each direction is a serial channel that sends one TLP at a time at the link's data rate;
/// a TLP arrives <see cref="PcieLinkConfig.PropagationPs"/> after its last byte leaves. Non-posted requests hold a
/// tag until their last completion arrives; a requester without a free tag waits. Deterministic: results depend only
/// on the order of calls, which the event queue fixes.
/// </summary>
public sealed class PcieLink
{
    private readonly double _psPerByte;
    private readonly ulong[] _tagFree;
    // Min-heap of the tags whose free time is known, ordered by (free time, tag): its root is the tag a linear scan
    // for the earliest-free, lowest-numbered tag would pick, found in O(log tags) instead of O(tags).
    private readonly (ulong Free, int Tag)[] _heap;
    private int _heapCount;
    private ulong _upstreamFree;     // endpoint -> root complex channel idle time
    private ulong _downstreamFree;   // root complex -> endpoint channel idle time

    /// <summary>Creates a link.</summary>
    public PcieLink(PcieLinkConfig config)
    {
        config.Validate();
        Config = config;
        _psPerByte = 1000.0 / config.BytesPerNanosecond;
        _tagFree = new ulong[config.Tags];
        _heap = new (ulong, int)[config.Tags];
        for (int i = 0; i < config.Tags; i++) _heap[_heapCount++] = (0, i); // sorted, so already a heap
    }

    /// <summary>The parameters.</summary>
    public PcieLinkConfig Config { get; }

    /// <summary>Wire bytes sent upstream (endpoint to root complex).</summary>
    public long UpstreamBytes { get; private set; }

    /// <summary>Wire bytes sent downstream.</summary>
    public long DownstreamBytes { get; private set; }

    /// <summary>Read requests issued while every tag was held with no completion booked yet (no tag, no wait).</summary>
    public long TagOverruns { get; private set; }

    /// <summary>Total time requests waited for a free tag, in picoseconds.</summary>
    public ulong TagWaitPs { get; private set; }

    /// <summary>Time to serialise <paramref name="wireBytes"/> on one direction, rounded up to a picosecond.</summary>
    public ulong SerializationPs(long wireBytes) => (ulong)Math.Ceiling(wireBytes * _psPerByte);

    /// <summary>
    /// Sends a posted memory write of <paramref name="length"/> bytes upstream at <paramref name="now"/>; returns the
    /// time its last TLP has arrived at the root complex.
    /// </summary>
    public ulong PostedWrite(ulong now, ulong address, int length)
    {
        int tlps = Tlp.WriteTlpCount(address, length, Config.MaxPayloadSize);
        long bytes = Tlp.WireBytes(tlps, Tlp.RequestHeaderBytes(address), length, Config.FramingBytesPerTlp);
        return Send(ref _upstreamFree, now, bytes, upstream: true) + Config.PropagationPs;
    }

    /// <summary>
    /// Issues a memory read of <paramref name="length"/> bytes at <paramref name="now"/>: waits for a tag, sends the
    /// request TLPs upstream, and returns the time the requests have arrived at the root complex. Call
    /// <see cref="CompleteRead"/> with the time the completer has the data to learn when the data is back.
    /// </summary>
    public ulong ReadRequest(ulong now, ulong address, int length, out int tag)
    {
        if (_heapCount == 0)
        {
            // Every tag is held by a request whose completion is not booked yet (more reads in flight than tags):
            // the wait is unknown here, so the request goes without a tag and is counted.
            TagOverruns++;
            tag = -1;
            int n = Tlp.ReadRequestCount(address, length, Config.MaxReadRequestSize);
            return Send(ref _upstreamFree, now, (long)n * (Tlp.RequestHeaderBytes(address) + Config.FramingBytesPerTlp), upstream: true) + Config.PropagationPs;
        }
        tag = PopTag();
        ulong start = Math.Max(now, _tagFree[tag]);
        TagWaitPs += start - now;
        _tagFree[tag] = ulong.MaxValue; // held until the completion is booked
        int reqs = Tlp.ReadRequestCount(address, length, Config.MaxReadRequestSize);
        long bytes = (long)reqs * (Tlp.RequestHeaderBytes(address) + Config.FramingBytesPerTlp);
        return Send(ref _upstreamFree, start, bytes, upstream: true) + Config.PropagationPs;
    }

    /// <summary>
    /// Sends the completions of a read downstream starting at <paramref name="dataReady"/> and frees the tag;
    /// returns the time the last completion has arrived at the requester.
    /// </summary>
    public ulong CompleteRead(ulong dataReady, ulong address, int length, int tag)
    {
        int mrrs = Config.MaxReadRequestSize;
        long bytes = 0;
        // Each read request of up to MRRS is completed separately.
        ulong a = address, end = address + (ulong)Math.Max(length, 0);
        do
        {
            ulong next = Tlp.NextRequestEnd(a, end, mrrs);
            int len = (int)(next - a);
            int cpl = Tlp.CompletionCount(a, len, Config.MaxPayloadSize, Config.ReadCompletionBoundary);
            bytes += Tlp.WireBytes(cpl, Tlp.CompletionHeaderBytes, len, Config.FramingBytesPerTlp);
            a = next;
        } while (a < end);
        ulong arrive = Send(ref _downstreamFree, dataReady, bytes, upstream: false) + Config.PropagationPs;
        if ((uint)tag < (uint)_tagFree.Length) Free(tag, arrive);
        return arrive;
    }

    /// <summary>Aborts a read whose request failed (UR/CA): frees the tag at <paramref name="time"/>.</summary>
    public void ReleaseTag(int tag, ulong time)
    {
        if ((uint)tag < (uint)_tagFree.Length) Free(tag, time);
    }

    private void Free(int tag, ulong time)
    {
        bool held = _tagFree[tag] == ulong.MaxValue;
        _tagFree[tag] = time;
        if (!held) return; // already in the heap (a second release of a free tag): keep the first time
        int i = _heapCount++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(time, tag, _heap[parent].Free, _heap[parent].Tag)) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = (time, tag);
    }

    private int PopTag()
    {
        int tag = _heap[0].Tag;
        (ulong t, int g) = _heap[--_heapCount];
        int i = 0;
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= _heapCount) break;
            if (c + 1 < _heapCount && Before(_heap[c + 1].Free, _heap[c + 1].Tag, _heap[c].Free, _heap[c].Tag)) c++;
            if (!Before(_heap[c].Free, _heap[c].Tag, t, g)) break;
            _heap[i] = _heap[c];
            i = c;
        }
        _heap[i] = (t, g);
        return tag;
    }

    private static bool Before(ulong t1, int g1, ulong t2, int g2) => t1 < t2 || (t1 == t2 && g1 < g2);

    private ulong Send(ref ulong channelFree, ulong now, long bytes, bool upstream)
    {
        ulong start = Math.Max(now, channelFree);
        ulong done = start + SerializationPs(bytes);
        channelFree = done;
        if (upstream) UpstreamBytes += bytes; else DownstreamBytes += bytes;
        return done;
    }
}
