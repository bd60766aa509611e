namespace HwEmu.Devices.Pcie;

/// <summary>Sizes of the TLPs a transaction turns into, per PCIe Base Specification §2.2 rules.</summary>
public static class Tlp
{
    /// <summary>Header bytes of a memory request: 3 DW with a 32-bit address, 4 DW with a 64-bit one (§2.2.4.1).</summary>
    public static int RequestHeaderBytes(ulong address) => address >> 32 == 0 ? 12 : 16;

    /// <summary>Header bytes of a completion (always 3 DW).</summary>
    public const int CompletionHeaderBytes = 12;

    /// <summary>
    /// Number of memory write TLPs for a write of <paramref name="length"/> bytes at <paramref name="address"/>:
    /// payloads are at most MPS and a request may not cross a 4 KiB boundary (§2.2.7). The transmitter splits at
    /// MPS-aligned addresses, as DMA engines do.
    /// </summary>
    public static int WriteTlpCount(ulong address, int length, int maxPayload) => Chunks(address, length, maxPayload);

    /// <summary>Number of read request TLPs: at most MRRS each, never crossing 4 KiB.</summary>
    public static int ReadRequestCount(ulong address, int length, int maxReadRequest) => Chunks(address, length, maxReadRequest);

    /// <summary>
    /// Number of completion TLPs returning one read request of <paramref name="length"/> bytes at
    /// <paramref name="address"/>: each completion carries at most MPS and, when split, ends on an RCB-aligned
    /// address (§2.3.1.1). A completer splitting at MPS-sized, RCB-aligned chunks is modelled.
    /// </summary>
    public static int CompletionCount(ulong address, int length, int maxPayload, int rcb)
    {
        if (length <= 0) return 1; // zero-length read still completes once
        int count = 0;
        ulong end = address + (ulong)length;
        ulong a = address;
        while (a < end)
        {
            // First completion ends at the RCB boundary that keeps it within MPS; later ones are MPS-aligned.
            ulong limit = a + (ulong)maxPayload;
            ulong boundary = limit & ~((ulong)rcb - 1);
            if (boundary <= a) boundary = limit;
            a = Math.Min(end, boundary);
            count++;
        }
        return count;
    }

    /// <summary>Wire bytes of all the data TLPs for <paramref name="length"/> bytes split into <paramref name="tlps"/> TLPs.</summary>
    public static long WireBytes(int tlps, int headerBytes, int length, int framingBytes)
        => (long)tlps * (headerBytes + framingBytes) + length;

    /// <summary>
    /// End of the request that starts at <paramref name="address"/>: the next <paramref name="max"/>-aligned address
    /// or 4 KiB boundary, whichever is first, capped at <paramref name="end"/>.
    /// </summary>
    public static ulong NextRequestEnd(ulong address, ulong end, int max)
    {
        ulong aligned = (address + (ulong)max) & ~((ulong)max - 1);
        ulong page = (address + 4096) & ~4095UL;
        return Math.Min(end, Math.Min(aligned, page));
    }

    private static int Chunks(ulong address, int length, int max)
    {
        if (length <= 0) return 1;
        int count = 0;
        ulong end = address + (ulong)length;
        for (ulong a = address; a < end; a = NextRequestEnd(a, end, max)) count++;
        return count;
    }
}
