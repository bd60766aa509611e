using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Host.IoPgtable;

/// <summary>
/// Deterministic page allocator over a RAM range of emulated memory, standing in for the kernel's
/// alloc_pages(__GFP_ZERO): blocks of 2^order host pages, naturally aligned, zero-filled. Allocation bumps
/// upwards from the range base; freed blocks go to a per-order LIFO list and are reused first (like the per-CPU
/// page lists), so a given sequence of calls always yields the same addresses.
/// </summary>
public sealed class PhysicalPageAllocator
{
    private readonly PhysicalMemory _memory;
    private readonly ulong _base;
    private readonly ulong _end;
    private ulong _next;
    private readonly List<ulong>[] _free = new List<ulong>[32];

    /// <summary>Creates an allocator over [<paramref name="baseAddress"/>, +<paramref name="size"/>).</summary>
    /// <param name="memory">Emulated memory the pages live in.</param>
    /// <param name="baseAddress">First byte of the range (aligned to <paramref name="pageSize"/>).</param>
    /// <param name="size">Bytes in the range.</param>
    /// <param name="pageSize">Host PAGE_SIZE (4096 for the capture's arm64 kernel).</param>
    public PhysicalPageAllocator(PhysicalMemory memory, ulong baseAddress, ulong size, int pageSize = 4096)
    {
        if (pageSize <= 0 || (pageSize & (pageSize - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(pageSize));
        if ((baseAddress & (ulong)(pageSize - 1)) != 0) throw new ArgumentException("base must be page aligned", nameof(baseAddress));
        _memory = memory;
        _base = baseAddress;
        _end = baseAddress + size;
        _next = baseAddress;
        PageSize = pageSize;
        for (int i = 0; i < _free.Length; i++) _free[i] = new List<ulong>();
    }

    /// <summary>Host PAGE_SIZE.</summary>
    public int PageSize { get; }

    /// <summary>Emulated memory the allocator hands out.</summary>
    public PhysicalMemory Memory => _memory;

    /// <summary>Bytes currently allocated.</summary>
    public ulong BytesInUse { get; private set; }

    /// <summary>Number of blocks currently allocated.</summary>
    public int BlocksInUse { get; private set; }

    /// <summary>get_order(): the smallest order whose block holds <paramref name="size"/> bytes.</summary>
    public int GetOrder(ulong size)
    {
        int order = 0;
        while (((ulong)PageSize << order) < size)
        {
            order++;
            if (order >= _free.Length) return -1; // larger than any block we can hand out
        }
        return order;
    }

    /// <summary>
    /// Allocates a zeroed, naturally aligned block of at least <paramref name="size"/> bytes; returns its physical
    /// address, or 0 when the range is exhausted (the caller turns that into -ENOMEM).
    /// </summary>
    public ulong Alloc(ulong size)
    {
        int order = GetOrder(size);
        if (order < 0) return 0;
        ulong bytes = (ulong)PageSize << order;
        ulong pa;
        var list = _free[order];
        if (list.Count > 0)
        {
            pa = list[^1];
            list.RemoveAt(list.Count - 1);
        }
        else
        {
            ulong aligned = (_next + bytes - 1) & ~(bytes - 1);
            if (aligned < _next || aligned + bytes > _end || aligned + bytes < aligned) return 0;
            // The skipped gap is split into smaller free blocks so nothing is lost.
            ulong gap = _next;
            while (gap < aligned)
            {
                int o = 0;
                while (o + 1 < order && (gap & (((ulong)PageSize << (o + 1)) - 1)) == 0 && gap + ((ulong)PageSize << (o + 1)) <= aligned) o++;
                _free[o].Add(gap);
                gap += (ulong)PageSize << o;
            }
            pa = aligned;
            _next = aligned + bytes;
        }
        _memory.Fill(pa, bytes, 0);
        BytesInUse += bytes;
        BlocksInUse++;
        return pa;
    }

    /// <summary>Frees a block returned by <see cref="Alloc"/> with the same <paramref name="size"/>.</summary>
    public void Free(ulong pa, ulong size)
    {
        int order = GetOrder(size);
        if (order < 0) throw new ArgumentOutOfRangeException(nameof(size));
        ulong bytes = (ulong)PageSize << order;
        if (pa < _base || pa + bytes > _end) throw new ArgumentOutOfRangeException(nameof(pa));
        // Like the kernel, freeing does not scrub: a walker that still holds the old table reads stale entries.
        _free[order].Add(pa);
        BytesInUse -= bytes;
        BlocksInUse--;
    }
}
