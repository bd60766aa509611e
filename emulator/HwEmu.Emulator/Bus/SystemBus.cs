using System.Runtime.CompilerServices;
using HwEmu.Emulator.Memory;

namespace HwEmu.Emulator.Bus;

/// <summary>
/// The physical address map: routes accesses to RAM windows (backed by <see cref="PhysicalMemory"/> at the same
/// physical address) or to MMIO devices. An access that no window decodes returns
/// <see cref="BusStatus.DecodeError"/>; an access that straddles two windows is split at the boundary.
/// </summary>
public sealed class SystemBus
{
    private AddressRegion[] _regions = [];
    private AddressRegion? _lastRam;

    /// <summary>Creates a bus over <paramref name="memory"/>.</summary>
    public SystemBus(PhysicalMemory memory) => Memory = memory;

    /// <summary>The RAM backing store.</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>The windows of the map, sorted by base address.</summary>
    public IReadOnlyList<AddressRegion> Regions => _regions;

    /// <summary>Adds a RAM window.</summary>
    public AddressRegion AddRam(ulong baseAddress, ulong size, string name = "ram") => Add(new AddressRegion(baseAddress, size, null, name));

    /// <summary>Adds a device's register window.</summary>
    public AddressRegion AddDevice(ulong baseAddress, ulong size, IMmioDevice device) => Add(new AddressRegion(baseAddress, size, device, device.Name));

    private AddressRegion Add(AddressRegion region)
    {
        if (region.Size == 0 || region.Base + region.Size - 1 < region.Base || region.Last >= PhysicalMemory.AddressLimit)
            throw new ArgumentException($"region '{region.Name}' [0x{region.Base:x}, +0x{region.Size:x}) is empty or outside the 52-bit address space");
        foreach (var r in _regions)
            if (region.Base <= r.Last && r.Base <= region.Last)
                throw new ArgumentException($"region '{region.Name}' at 0x{region.Base:x} overlaps '{r.Name}' at 0x{r.Base:x}");
        _regions = [.. _regions.Append(region).OrderBy(r => r.Base)];
        return region;
    }

    /// <summary>The window decoding <paramref name="address"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AddressRegion? Find(ulong address)
    {
        var last = _lastRam;
        if (last is not null && last.Contains(address)) return last;
        return FindSlow(address);
    }

    private AddressRegion? FindSlow(ulong address)
    {
        var regions = _regions;
        int lo = 0, hi = regions.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = regions[mid];
            if (address < r.Base) hi = mid - 1;
            else if (address > r.Last) lo = mid + 1;
            else
            {
                if (r.IsRam) _lastRam = r;
                return r;
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="address"/> .. +<paramref name="length"/> lies wholly in RAM.</summary>
    public bool IsRam(ulong address, ulong length = 1)
    {
        var r = Find(address);
        return r is { IsRam: true } && length - 1 <= r.Last - address;
    }

    /// <summary>Reads a little-endian value of 1, 2, 4 or 8 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BusStatus Read(ulong address, int size, out ulong value, in BusAttributes attributes = default)
    {
        var r = Find(address);
        // The size test keeps a bad size (3, 16...) on the slow path, which reports it instead of letting
        // PhysicalMemory throw.
        if (r is { IsRam: true } && (uint)(size - 1) < 8 && (size & (size - 1)) == 0 && (ulong)(size - 1) <= r.Last - address)
        {
            value = Memory.Read(address, size);
            return BusStatus.Ok;
        }
        return ReadSlow(r, address, size, out value, attributes);
    }

    /// <summary>Reads a little-endian 64-bit value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BusStatus Read64(ulong address, out ulong value, in BusAttributes attributes = default)
    {
        var r = Find(address);
        if (r is { IsRam: true } && 7 <= r.Last - address)
        {
            value = Memory.Read64(address);
            return BusStatus.Ok;
        }
        return ReadSlow(r, address, 8, out value, attributes);
    }

    private BusStatus ReadSlow(AddressRegion? r, ulong address, int size, out ulong value, in BusAttributes attributes)
    {
        value = 0;
        if (size is not (1 or 2 or 4 or 8)) return BusStatus.SlaveError;
        if (r is null) return BusStatus.DecodeError;
        if ((ulong)(size - 1) > r.Last - address)
        {
            // Straddles a window boundary: assemble byte by byte so each byte goes to its own target.
            for (int i = 0; i < size; i++)
            {
                var st = Read(address + (ulong)i, 1, out ulong b, attributes);
                if (st != BusStatus.Ok) { value = 0; return st; }
                value |= b << (8 * i);
            }
            return BusStatus.Ok;
        }
        return r.Device!.Read(address - r.Base, size, out value, attributes);
    }

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="value"/>, little-endian.</summary>
    public BusStatus Write(ulong address, int size, ulong value, in BusAttributes attributes = default)
    {
        if (size is not (1 or 2 or 4 or 8)) return BusStatus.SlaveError;
        var r = Find(address);
        if (r is null) return BusStatus.DecodeError;
        if ((ulong)(size - 1) > r.Last - address)
        {
            // Check every byte decodes before changing anything, so a failed write has no partial effect.
            for (int i = 1; i < size; i++)
                if (Find(address + (ulong)i) is null) return BusStatus.DecodeError;
            for (int i = 0; i < size; i++)
            {
                var st = Write(address + (ulong)i, 1, (value >> (8 * i)) & 0xff, attributes);
                if (st != BusStatus.Ok) return st;
            }
            return BusStatus.Ok;
        }
        if (r.IsRam)
        {
            Memory.Write(address, size, value);
            return BusStatus.Ok;
        }
        return r.Device!.Write(address - r.Base, size, value, attributes);
    }

    /// <summary>Reads a span of bytes; MMIO windows are read in naturally aligned chunks of up to 8 bytes.</summary>
    public BusStatus Read(ulong address, Span<byte> destination, in BusAttributes attributes = default)
    {
        while (!destination.IsEmpty)
        {
            var r = Find(address);
            if (r is null) return BusStatus.DecodeError;
            int n = (int)Math.Min((ulong)destination.Length, r.Last - address + 1);
            if (r.IsRam) Memory.Read(address, destination[..n]);
            else
            {
                for (int i = 0; i < n;)
                {
                    int chunk = Chunk(address + (ulong)i, n - i);
                    var st = r.Device!.Read(address + (ulong)i - r.Base, chunk, out ulong v, attributes);
                    if (st != BusStatus.Ok) return st;
                    for (int k = 0; k < chunk; k++) destination[i + k] = (byte)(v >> (8 * k));
                    i += chunk;
                }
            }
            destination = destination[n..];
            address += (ulong)n;
        }
        return BusStatus.Ok;
    }

    /// <summary>Writes a span of bytes; MMIO windows are written in naturally aligned chunks of up to 8 bytes.</summary>
    public BusStatus Write(ulong address, ReadOnlySpan<byte> source, in BusAttributes attributes = default)
    {
        while (!source.IsEmpty)
        {
            var r = Find(address);
            if (r is null) return BusStatus.DecodeError;
            int n = (int)Math.Min((ulong)source.Length, r.Last - address + 1);
            if (r.IsRam) Memory.Write(address, source[..n]);
            else
            {
                for (int i = 0; i < n;)
                {
                    int chunk = Chunk(address + (ulong)i, n - i);
                    ulong v = 0;
                    for (int k = 0; k < chunk; k++) v |= (ulong)source[i + k] << (8 * k);
                    var st = r.Device!.Write(address + (ulong)i - r.Base, chunk, v, attributes);
                    if (st != BusStatus.Ok) return st;
                    i += chunk;
                }
            }
            source = source[n..];
            address += (ulong)n;
        }
        return BusStatus.Ok;
    }

    private static int Chunk(ulong address, int remaining)
    {
        foreach (int size in (ReadOnlySpan<int>)[8, 4, 2])
            if (remaining >= size && (address & (ulong)(size - 1)) == 0) return size;
        return 1;
    }
}
