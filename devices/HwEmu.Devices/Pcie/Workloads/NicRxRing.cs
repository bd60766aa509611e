using System.Buffers.Binary;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Pcie;

/// <summary>
/// Functional model of a NIC receive ring with legacy 16-byte descriptors (Intel 8254x layout: buffer address at +0,
/// length at +8, checksum +10, status +12 with DD bit 0 and EOP bit 1, errors +13, special +14). The host posts
/// buffers by writing descriptors and the tail register (RDT); on each received packet the device fetches the
/// descriptor at the head, writes the packet into the buffer, writes the descriptor back with length and DD|EOP,
/// advances the head (RDH) and signals its MSI-X vector. With no posted descriptor the packet is dropped (counted).
/// Packets longer than the buffer size are truncated to it.
/// </summary>
public sealed class NicRxRing
{
    private readonly SystemBus _bus;
    private readonly IDmaSink _sink;
    private readonly MsixTable? _msix;
    private readonly byte[] _desc = new byte[16];
    private ulong _dmaId;

    /// <summary>Creates a ring of <paramref name="entries"/> descriptors at <paramref name="ringBase"/>.</summary>
    public NicRxRing(ulong ringBase, int entries, int bufferSize, int vector, SystemBus bus, IDmaSink sink, MsixTable? msix = null, ushort requesterId = 0)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(sink);
        if (entries < 2) throw new ArgumentOutOfRangeException(nameof(entries));
        if (bufferSize < 1) throw new ArgumentOutOfRangeException(nameof(bufferSize));
        RingBase = ringBase; Entries = entries; BufferSize = bufferSize; Vector = vector;
        _bus = bus; _sink = sink; _msix = msix; RequesterId = requesterId;
    }

    /// <summary>Descriptor ring base.</summary>
    public ulong RingBase { get; }
    /// <summary>Descriptors.</summary>
    public int Entries { get; }
    /// <summary>Receive buffer size.</summary>
    public int BufferSize { get; }
    /// <summary>MSI-X vector.</summary>
    public int Vector { get; }
    /// <summary>Requester ID on the bus.</summary>
    public ushort RequesterId { get; }
    /// <summary>RDH: next descriptor the device uses.</summary>
    public int Head { get; private set; }
    /// <summary>RDT: one past the last descriptor the host posted.</summary>
    public int Tail { get; private set; }
    /// <summary>Packets delivered.</summary>
    public long Received { get; private set; }
    /// <summary>Packets dropped for lack of descriptors.</summary>
    public long Dropped { get; private set; }
    /// <summary>Bus errors on descriptor fetch or write-back.</summary>
    public long BusErrors { get; private set; }

    /// <summary>Host writes RDT.</summary>
    public void WriteTail(uint tail)
    {
        if (tail < (uint)Entries) Tail = (int)tail;
    }

    /// <summary>Host-side helper: encodes a posted (empty) descriptor for <paramref name="buffer"/>.</summary>
    public static void WriteDescriptor(Span<byte> descriptor, ulong buffer)
    {
        descriptor[..16].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor, buffer);
    }

    /// <summary>A packet of <paramref name="length"/> bytes arrives at <paramref name="nowPs"/>; returns whether it was delivered.</summary>
    public bool Receive(int length, ulong nowPs)
    {
        if (Head == Tail)
        {
            Dropped++;
            return false;
        }
        ulong address = RingBase + (ulong)Head * 16;
        var attrs = new BusAttributes(RequesterId);
        Emit(address, 16, false, nowPs, DmaPurpose.DescriptorFetch);
        if (_bus.Read(address, _desc, attrs) != BusStatus.Ok)
        {
            BusErrors++;
            Dropped++;
            return false;
        }
        ulong buffer = BinaryPrimitives.ReadUInt64LittleEndian(_desc);
        int n = Math.Min(length, BufferSize);
        Emit(buffer, n, true, nowPs, DmaPurpose.Data);
        BinaryPrimitives.WriteUInt16LittleEndian(_desc.AsSpan(8), (ushort)n);
        _desc[12] = 0x03; // DD | EOP
        Emit(address, 16, true, nowPs, DmaPurpose.Completion);
        if (_bus.Write(address, _desc, attrs) != BusStatus.Ok) BusErrors++;
        Head = (Head + 1) % Entries;
        Received++;
        _msix?.Trigger(Vector);
        return true;
    }

    private void Emit(ulong address, int size, bool write, ulong nowPs, DmaPurpose purpose) =>
        _sink.Dma(new DmaRequest(_dmaId++, address, size, write, nowPs, purpose));
}
