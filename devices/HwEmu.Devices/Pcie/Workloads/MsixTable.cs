using System.Buffers.Binary;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Pcie;

/// <summary>Receives the MSI writes an endpoint sends (the message goes upstream as a DWORD memory write).</summary>
public interface IMsiWriter
{
    /// <summary>Sends the message of <paramref name="vector"/>: write <paramref name="data"/> to <paramref name="address"/>.</summary>
    void SendMsi(int vector, ulong address, uint data);
}

/// <summary>
/// MSI-X table and Pending Bit Array of an endpoint, as the BAR region that holds them (PCIe r6.0 §7.7.2,
/// §6.1.4.5). Each table entry is 16 bytes: Message Address (+0), Message Upper Address (+4), Message Data (+8),
/// Vector Control (+12, bit 0 = Mask, set at reset). The PBA holds one bit per vector in QWORDs and is read-only.
/// A vector triggered while masked (per-vector Mask or the capability's Function Mask) sets its pending bit;
/// clearing the mask delivers it and clears the bit. Offsets are relative to the BAR; addresses outside the table
/// and PBA decode to <see cref="BusStatus.DecodeError"/> so a device can chain other registers in the same BAR.
/// Accesses must be naturally aligned DWORDs or QWORDs (others are <see cref="BusStatus.SlaveError"/>).
/// </summary>
public sealed class MsixTable : IMmioDevice
{
    private readonly byte[] _table;
    private readonly ulong[] _pba;
    private readonly IMsiWriter _writer;
    private bool _functionMask;

    /// <summary>Creates a table of <paramref name="vectors"/> entries at <paramref name="tableOffset"/> and the PBA at <paramref name="pbaOffset"/>.</summary>
    public MsixTable(string name, int vectors, ulong tableOffset, ulong pbaOffset, IMsiWriter writer)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(writer);
        if (vectors is < 1 or > 2048) throw new ArgumentOutOfRangeException(nameof(vectors), "MSI-X supports 1..2048 vectors");
        if ((tableOffset & 7) != 0 || (pbaOffset & 7) != 0) throw new ArgumentException("table and PBA offsets must be QWORD aligned");
        Name = name;
        Vectors = vectors;
        TableOffset = tableOffset;
        PbaOffset = pbaOffset;
        _table = new byte[vectors * 16];
        _pba = new ulong[(vectors + 63) / 64];
        ulong tEnd = tableOffset + (ulong)_table.Length, pEnd = pbaOffset + (ulong)_pba.Length * 8;
        if (tableOffset < pEnd && pbaOffset < tEnd) throw new ArgumentException("table and PBA overlap");
        _writer = writer;
        Reset();
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <summary>Table Size + 1.</summary>
    public int Vectors { get; }
    /// <summary>Table offset within the BAR.</summary>
    public ulong TableOffset { get; }
    /// <summary>PBA offset within the BAR.</summary>
    public ulong PbaOffset { get; }
    /// <summary>MSI-X Enable (Message Control bit 15); while clear, triggers are dropped.</summary>
    public bool Enabled { get; set; }
    /// <summary>Messages sent.</summary>
    public long Sent { get; private set; }
    /// <summary>Triggers that found the vector masked (the pending bit was set).</summary>
    public long MaskedTriggers { get; private set; }

    /// <summary>Function Mask (Message Control bit 14): masks every vector; clearing it delivers pending vectors.</summary>
    public bool FunctionMask
    {
        get => _functionMask;
        set
        {
            _functionMask = value;
            if (!value) DeliverPending();
        }
    }

    /// <summary>Puts every entry in its reset state: address and data 0, Mask set; nothing pending.</summary>
    public void Reset()
    {
        Array.Clear(_table);
        Array.Clear(_pba);
        for (int v = 0; v < Vectors; v++) _table[v * 16 + 12] = 1;
    }

    /// <summary>Message Address of <paramref name="vector"/> (upper and lower DWORDs).</summary>
    public ulong MessageAddress(int vector) => BinaryPrimitives.ReadUInt64LittleEndian(_table.AsSpan(vector * 16));
    /// <summary>Message Data of <paramref name="vector"/>.</summary>
    public uint MessageData(int vector) => BinaryPrimitives.ReadUInt32LittleEndian(_table.AsSpan(vector * 16 + 8));
    /// <summary>Per-vector Mask bit.</summary>
    public bool IsMasked(int vector) => (_table[vector * 16 + 12] & 1) != 0;
    /// <summary>Pending bit of <paramref name="vector"/>.</summary>
    public bool IsPending(int vector) => (_pba[vector >> 6] >> (vector & 63) & 1) != 0;

    /// <summary>
    /// The device signals <paramref name="vector"/>: sends the message now, or sets the pending bit if the vector or
    /// the function is masked. Returns whether a message was sent. Out-of-range vectors and a disabled capability
    /// send nothing.
    /// </summary>
    public bool Trigger(int vector)
    {
        if (!Enabled || (uint)vector >= (uint)Vectors) return false;
        if (_functionMask || IsMasked(vector))
        {
            _pba[vector >> 6] |= 1UL << (vector & 63);
            MaskedTriggers++;
            return false;
        }
        Send(vector);
        return true;
    }

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes)
    {
        value = 0;
        if (InTable(offset, out int index))
        {
            if (!Aligned(offset, size)) return BusStatus.SlaveError;
            value = size == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(_table.AsSpan(index)) : BinaryPrimitives.ReadUInt32LittleEndian(_table.AsSpan(index));
            return BusStatus.Ok;
        }
        if (InPba(offset, out int bit))
        {
            if (!Aligned(offset, size)) return BusStatus.SlaveError;
            ulong q = _pba[bit >> 6];
            value = size == 8 ? q : (uint)(q >> (bit & 63));
            return BusStatus.Ok;
        }
        return BusStatus.DecodeError;
    }

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        if (InTable(offset, out int index))
        {
            if (!Aligned(offset, size)) return BusStatus.SlaveError;
            int vector = index / 16;
            bool wasMasked = IsMasked(vector);
            if (size == 8) BinaryPrimitives.WriteUInt64LittleEndian(_table.AsSpan(index), value);
            else BinaryPrimitives.WriteUInt32LittleEndian(_table.AsSpan(index), (uint)value);
            // Vector Control bits 31:1 are reserved (RsvdP); keep only the Mask bit.
            _table[vector * 16 + 12] &= 1;
            _table[vector * 16 + 13] = _table[vector * 16 + 14] = _table[vector * 16 + 15] = 0;
            if (wasMasked && !IsMasked(vector) && !_functionMask && IsPending(vector)) Send(vector);
            return BusStatus.Ok;
        }
        if (InPba(offset, out _))
            return Aligned(offset, size) ? BusStatus.Ok : BusStatus.SlaveError; // PBA is read-only; writes are ignored.
        return BusStatus.DecodeError;
    }

    private void DeliverPending()
    {
        for (int v = 0; v < Vectors; v++)
            if (IsPending(v) && !IsMasked(v)) Send(v);
    }

    private void Send(int vector)
    {
        _pba[vector >> 6] &= ~(1UL << (vector & 63));
        Sent++;
        _writer.SendMsi(vector, MessageAddress(vector), MessageData(vector));
    }

    private bool InTable(ulong offset, out int index)
    {
        ulong rel = offset - TableOffset;
        index = (int)rel;
        return offset >= TableOffset && rel < (ulong)_table.Length;
    }

    private bool InPba(ulong offset, out int bit)
    {
        ulong rel = offset - PbaOffset;
        bit = (int)(rel * 8);
        return offset >= PbaOffset && rel < (ulong)_pba.Length * 8;
    }

    private static bool Aligned(ulong offset, int size) => size is 4 or 8 && (offset & (ulong)(size - 1)) == 0;
}
