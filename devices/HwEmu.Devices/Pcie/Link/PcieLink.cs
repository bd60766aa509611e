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
    private ulong _upstreamFree;     // endpoint -> root complex channel idle time
    private ulong _downstreamFree;   // root complex -> endpoint channel idle time

    /// <summary>Creates a link.</summary>
    public PcieLink(PcieLinkConfig config)
    {
        config.Validate();
        Config = config;
        _psPerByte = 1000.0 / config.BytesPerNanosecond;
        _tagFree = new ulong[config.Tags];
    }

    /// <summary>The parameters.</summary>
    public PcieLinkConfig Config { get; }

    /// <summary>Wire bytes sent upstream (endpoint to root complex).</summary>
    public long UpstreamBytes { get; private set; }

    /// <summary>Wire bytes sent downstream.</summary>
    public long DownstreamBytes { get; private set; }

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
        tag = 0;
        for (int i = 1; i < _tagFree.Length; i++)
            if (_tagFree[i] < _tagFree[tag]) tag = i;
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
        if ((uint)tag < (uint)_tagFree.Length) _tagFree[tag] = arrive;
        return arrive;
    }

    /// <summary>Aborts a read whose request failed (UR/CA): frees the tag at <paramref name="time"/>.</summary>
    public void ReleaseTag(int tag, ulong time)
    {
        if ((uint)tag < (uint)_tagFree.Length) _tagFree[tag] = time;
    }

    private ulong Send(ref ulong channelFree, ulong now, long bytes, bool upstream)
    {
        ulong start = Math.Max(now, channelFree);
        ulong done = start + SerializationPs(bytes);
        channelFree = done;
        if (upstream) UpstreamBytes += bytes; else DownstreamBytes += bytes;
        return done;
    }
}
