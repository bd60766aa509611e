using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Memory;

/// <summary>
/// Sparse emulated physical memory: 4 KiB pages behind a three-level array-indexed radix table covering a
/// 52-bit physical address space. Unwritten pages read as zero and are never allocated; values are little-endian.
/// Structures a guest builds (stream tables, page tables, ITS tables...) exist only as bytes here.
/// </summary>
/// <remarks>
/// This is the RAM backing store: it does no address decoding. Addresses at or above 2^52 are outside the
/// architected physical address space; the <c>Try</c> methods report them as failures and the plain accessors
/// treat them as unbacked (reads return zero, writes are ignored). Device models reach memory through
/// <see cref="HwEmu.Emulator.Bus.SystemBus"/>, which turns such accesses into bus errors.
/// </remarks>
public sealed class PhysicalMemory
{
    /// <summary>Number of physical address bits supported (Armv8.2 LPA: 52).</summary>
    public const int AddressBits = 52;
    /// <summary>log2 of the page size.</summary>
    public const int PageShift = 12;
    /// <summary>Page size in bytes.</summary>
    public const int PageSize = 1 << PageShift;
    /// <summary>One past the highest physical address.</summary>
    public const ulong AddressLimit = 1UL << AddressBits;

    private const int LeafBits = 13;                 // page-number bits 0..12
    private const int MidBits = 13;                  // page-number bits 13..25
    private const int TopBits = AddressBits - PageShift - LeafBits - MidBits; // 14
    private const int PageMask = PageSize - 1;

    private readonly byte[]?[]?[]?[] _top = new byte[]?[]?[]?[1 << TopBits];
    private ulong _cachedPfn = ulong.MaxValue;
    private byte[]? _cachedPage;
    private long _allocatedPages;

    /// <summary>Number of 4 KiB pages that hold storage (pages ever written with data).</summary>
    public long AllocatedPages => _allocatedPages;

    /// <summary>True when <paramref name="pa"/> lies in the 52-bit physical address space.</summary>
    public static bool IsValidAddress(ulong pa) => pa < AddressLimit;

    /// <summary>True when the page holding <paramref name="pa"/> has storage.</summary>
    public bool IsPopulated(ulong pa) => pa < AddressLimit && Lookup(pa >> PageShift) is not null;

    // ---------------------------------------------------------------- scalar reads

    /// <summary>Reads a little-endian 64-bit value (any alignment, may cross pages).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Read64(ulong pa)
    {
        int off = (int)(pa & PageMask);
        if (off <= PageSize - 8 && pa >> PageShift == _cachedPfn)
            return BinaryPrimitives.ReadUInt64LittleEndian(_cachedPage.AsSpan(off, 8));
        return ReadSlow(pa, 8);
    }

    /// <summary>Reads a little-endian 32-bit value (any alignment, may cross pages).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read32(ulong pa)
    {
        int off = (int)(pa & PageMask);
        if (off <= PageSize - 4 && pa >> PageShift == _cachedPfn)
            return BinaryPrimitives.ReadUInt32LittleEndian(_cachedPage.AsSpan(off, 4));
        return (uint)ReadSlow(pa, 4);
    }

    /// <summary>Reads a little-endian 16-bit value (any alignment, may cross pages).</summary>
    public ushort Read16(ulong pa) => (ushort)ReadSlow(pa, 2);

    /// <summary>Reads one byte.</summary>
    public byte Read8(ulong pa) => (byte)ReadSlow(pa, 1);

    /// <summary>Reads a little-endian value of 1, 2, 4 or 8 bytes.</summary>
    public ulong Read(ulong pa, int size) => size == 8 ? Read64(pa) : ReadSlow(pa, size);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong ReadSlow(ulong pa, int size)
    {
        if (size is not (1 or 2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(size));
        int off = (int)(pa & PageMask);
        if (off + size <= PageSize)
        {
            byte[]? page = LookupCached(pa >> PageShift);
            if (page is null) return 0;
            var s = page.AsSpan(off, size);
            return size switch
            {
                1 => s[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(s),
                4 => BinaryPrimitives.ReadUInt32LittleEndian(s),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(s),
            };
        }
        Span<byte> tmp = stackalloc byte[8];
        tmp.Clear();
        Read(pa, tmp[..size]);
        return BinaryPrimitives.ReadUInt64LittleEndian(tmp);
    }

    /// <summary>
    /// Reads a little-endian value of 1, 2, 4 or 8 bytes; returns false (and 0) when the size is not one of those or
    /// any byte lies outside the 52-bit physical address space.
    /// </summary>
    public bool TryRead(ulong pa, int size, out ulong value)
    {
        if (!IsValidAccess(pa, size))
        {
            value = 0;
            return false;
        }
        value = Read(pa, size);
        return true;
    }

    /// <summary>
    /// Writes the low <paramref name="size"/> bytes (1, 2, 4 or 8) of <paramref name="value"/>; returns false, with
    /// no effect, when the size is not one of those or any byte lies outside the 52-bit physical address space.
    /// </summary>
    public bool TryWrite(ulong pa, int size, ulong value)
    {
        if (!IsValidAccess(pa, size)) return false;
        Write(pa, size, value);
        return true;
    }

    private static bool IsValidAccess(ulong pa, int size) =>
        size is 1 or 2 or 4 or 8 && pa < AddressLimit && (ulong)(size - 1) < AddressLimit - pa;

    // ---------------------------------------------------------------- scalar writes

    /// <summary>Writes a little-endian 64-bit value (any alignment, may cross pages).</summary>
    public void Write64(ulong pa, ulong value) => Write(pa, 8, value);

    /// <summary>Writes a little-endian 32-bit value.</summary>
    public void Write32(ulong pa, uint value) => Write(pa, 4, value);

    /// <summary>Writes a little-endian 16-bit value.</summary>
    public void Write16(ulong pa, ushort value) => Write(pa, 2, value);

    /// <summary>Writes one byte.</summary>
    public void Write8(ulong pa, byte value) => Write(pa, 1, value);

    /// <summary>Sees every write (a trace recorder); null = none (the default).</summary>
    public IPhysicalMemoryWriteObserver? WriteObserver { get; set; }

    /// <summary>Writes the low <paramref name="size"/> bytes (1, 2, 4 or 8) of <paramref name="value"/>, little-endian.</summary>
    public void Write(ulong pa, int size, ulong value)
    {
        if (size is not (1 or 2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(size));
        int off = (int)(pa & PageMask);
        if (off + size <= PageSize)
        {
            // An observer sees the same bytes the span path would report, without that path's loop per write
            // (while a trace records, host set-up writes every page-table entry through here).
            if (WriteObserver is { } observer) NotifyWrite(observer, pa, size, value);
            byte[]? page = pa >> PageShift == _cachedPfn ? _cachedPage : GetOrAllocate(pa >> PageShift, value == 0);
            if (page is null) return; // writing zero to an unallocated page changes nothing
            var s = page.AsSpan(off, size);
            switch (size)
            {
                case 1: s[0] = (byte)value; break;
                case 2: BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)value); break;
                case 4: BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)value); break;
                default: BinaryPrimitives.WriteUInt64LittleEndian(s, value); break;
            }
            return;
        }
        Span<byte> tmp = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(tmp, value);
        Write(pa, tmp[..size]);
    }

    // ---------------------------------------------------------------- spans

    /// <summary>Copies memory starting at <paramref name="pa"/> into <paramref name="destination"/>.</summary>
    public void Read(ulong pa, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (pa >= AddressLimit)
            {
                // Nothing above 2^52 is backed; stopping here also keeps pa from wrapping round to address 0.
                destination.Clear();
                return;
            }
            int off = (int)(pa & PageMask);
            int n = Math.Min(PageSize - off, destination.Length);
            byte[]? page = LookupCached(pa >> PageShift);
            if (page is null) destination[..n].Clear();
            else page.AsSpan(off, n).CopyTo(destination);
            destination = destination[n..];
            pa += (ulong)n;
        }
    }

    /// <summary>Copies <paramref name="source"/> into memory starting at <paramref name="pa"/>.</summary>
    public void Write(ulong pa, ReadOnlySpan<byte> source)
    {
        WriteObserver?.OnMemoryWrite(pa, source);
        while (!source.IsEmpty && pa < AddressLimit) // beyond 2^52 writes are ignored (and pa must not wrap)
        {
            int off = (int)(pa & PageMask);
            int n = Math.Min(PageSize - off, source.Length);
            var chunk = source[..n];
            byte[]? page = GetOrAllocate(pa >> PageShift, !chunk.ContainsAnyExcept((byte)0));
            if (page is not null) chunk.CopyTo(page.AsSpan(off, n));
            source = source[n..];
            pa += (ulong)n;
        }
    }

    /// <summary>Fills <paramref name="length"/> bytes from <paramref name="pa"/> with <paramref name="value"/>.</summary>
    public void Fill(ulong pa, ulong length, byte value)
    {
        if (WriteObserver is { } o && length > 0) NotifyFill(o, pa, length, value);
        while (length > 0 && pa < AddressLimit) // beyond 2^52 writes are ignored (and pa must not wrap)
        {
            int off = (int)(pa & PageMask);
            int n = (int)Math.Min((ulong)(PageSize - off), length);
            byte[]? page = GetOrAllocate(pa >> PageShift, value == 0);
            if (page is not null) page.AsSpan(off, n).Fill(value);
            length -= (ulong)n;
            pa += (ulong)n;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void NotifyWrite(IPhysicalMemoryWriteObserver o, ulong pa, int size, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        o.OnMemoryWrite(pa, bytes[..size]);
    }

    private void NotifyFill(IPhysicalMemoryWriteObserver o, ulong pa, ulong length, byte value)
    {
        Span<byte> chunk = stackalloc byte[512];
        chunk.Fill(value);
        while (length > 0 && pa < AddressLimit)
        {
            int n = (int)Math.Min(Math.Min(length, (ulong)chunk.Length), (ulong)(PageSize - (int)(pa & PageMask)));
            // Zeroing a page that has no storage changes nothing (it reads as zero): not reported.
            if (value != 0 || LookupCached(pa >> PageShift) is not null) o.OnMemoryWrite(pa, chunk[..n]);
            pa += (ulong)n;
            length -= (ulong)n;
        }
    }

    /// <summary>
    /// The storage of the page holding <paramref name="pa"/>, or an empty span when it has none (reads as zero).
    /// Valid until the page is next allocated; for bulk readers such as image dumps.
    /// </summary>
    public ReadOnlySpan<byte> PageSpan(ulong pa) => pa < AddressLimit ? LookupCached(pa >> PageShift) : default;

    /// <summary>Page numbers (pa &gt;&gt; 12) that hold storage, in ascending order.</summary>
    public IEnumerable<ulong> PopulatedPages()
    {
        for (int t = 0; t < _top.Length; t++)
        {
            var mid = _top[t];
            if (mid is null) continue;
            for (int m = 0; m < mid.Length; m++)
            {
                var leaf = mid[m];
                if (leaf is null) continue;
                for (int l = 0; l < leaf.Length; l++)
                    if (leaf[l] is not null)
                        yield return ((ulong)(uint)t << (MidBits + LeafBits)) | ((ulong)(uint)m << LeafBits) | (uint)l;
            }
        }
    }

    // ---------------------------------------------------------------- images

    /// <summary>
    /// Loads a raw memory image at <paramref name="baseAddress"/>. All-zero pages stay unallocated.
    /// Returns the number of bytes loaded.
    /// </summary>
    public long LoadImage(Stream image, ulong baseAddress)
    {
        var buf = new byte[PageSize];
        long total = 0;
        ulong pa = baseAddress;
        while (true)
        {
            int n = image.ReadAtLeast(buf, PageSize, throwOnEndOfStream: false);
            if (n == 0) break;
            if (pa + (ulong)n > AddressLimit || pa + (ulong)n < pa)
                throw new InvalidDataException($"image extends past the {AddressBits}-bit physical address space at 0x{pa:x}");
            Write(pa, buf.AsSpan(0, n));
            total += n;
            pa += (ulong)n;
            if (n < PageSize) break;
        }
        return total;
    }

    /// <summary>
    /// Loads a raw memory image file (gzip-compressed when it starts with the gzip magic) at
    /// <paramref name="baseAddress"/>. Returns the number of bytes loaded.
    /// </summary>
    public long LoadImageFile(string path, ulong baseAddress)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            return LoadImage(gz, baseAddress);
        }
        return LoadImage(file, baseAddress);
    }

    // ---------------------------------------------------------------- radix table

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte[]? LookupCached(ulong pfn)
    {
        if (pfn == _cachedPfn) return _cachedPage;
        byte[]? page = Lookup(pfn);
        if (page is not null) { _cachedPfn = pfn; _cachedPage = page; }
        return page;
    }

    private byte[]? Lookup(ulong pfn)
    {
        if (pfn >= AddressLimit >> PageShift) return null;
        var mid = _top[pfn >> (MidBits + LeafBits)];
        if (mid is null) return null;
        var leaf = mid[(pfn >> LeafBits) & ((1 << MidBits) - 1)];
        return leaf?[pfn & ((1 << LeafBits) - 1)];
    }

    /// <summary>Returns the page, allocating it unless the write would only store zeros.</summary>
    private byte[]? GetOrAllocate(ulong pfn, bool zeroWrite)
    {
        if (pfn >= AddressLimit >> PageShift) return null;
        if (pfn == _cachedPfn) return _cachedPage;
        ref var mid = ref _top[pfn >> (MidBits + LeafBits)];
        if (mid is null) { if (zeroWrite) return null; mid = new byte[]?[]?[1 << MidBits]; }
        ref var leaf = ref mid[(pfn >> LeafBits) & ((1 << MidBits) - 1)];
        if (leaf is null) { if (zeroWrite) return null; leaf = new byte[]?[1 << LeafBits]; }
        ref var page = ref leaf[pfn & ((1 << LeafBits) - 1)];
        if (page is null) { if (zeroWrite) return null; page = new byte[PageSize]; _allocatedPages++; }
        _cachedPfn = pfn;
        _cachedPage = page;
        return page;
    }
}
