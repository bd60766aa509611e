using System.Buffers.Binary;

namespace HwEmu.Devices.Gic;

/// <summary>
/// QEMU's table layout (hw/intc/gicv3_internal.h; reference §1.4): 8-byte DTE {VALID[0], SIZE[5:1],
/// ITTADDR[49:6] = address >> 8}, 8-byte CTE {VALID[0], RDBASE[16:1] = processor number}, 12-byte ITE {low u64:
/// VALID[0], INTTYPE[1], INTID[25:2], ICID[47:32], VPEID[63:48]; high u32: DOORBELL[24:0]}. Memory images of QEMU
/// `virt` machines read back with this format.
/// </summary>
public sealed class QemuItsTableFormat : IItsTableFormat
{
    /// <summary>The shared instance (the format is stateless).</summary>
    public static QemuItsTableFormat Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "qemu";
    /// <inheritdoc/>
    public int DteSize => 8;
    /// <inheritdoc/>
    public int CteSize => 8;
    /// <inheritdoc/>
    public int IteSize => 12;
    /// <inheritdoc/>
    public bool CollectionTableIndexedByIcid => true;

    /// <inheritdoc/>
    public Dte DecodeDte(ReadOnlySpan<byte> entry)
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        return new Dte((v & 1) != 0, (int)((v >> 1) & 0x1F), ((v >> 6) & ((1UL << 44) - 1)) << 8);
    }

    /// <inheritdoc/>
    public void EncodeDte(in Dte dte, Span<byte> entry)
    {
        ulong v = dte.Valid ? 1UL | ((ulong)(dte.Size & 0x1F) << 1) | (((dte.IttAddress >> 8) & ((1UL << 44) - 1)) << 6) : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(entry, v);
    }

    /// <inheritdoc/>
    public Cte DecodeCte(ReadOnlySpan<byte> entry)
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        return new Cte((v & 1) != 0, (int)((v >> 1) & 0xFFFF));
    }

    /// <inheritdoc/>
    public void EncodeCte(in Cte cte, Span<byte> entry)
    {
        ulong v = cte.Valid ? 1UL | ((ulong)(cte.ProcessorNumber & 0xFFFF) << 1) : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(entry, v);
    }

    /// <inheritdoc/>
    public Ite DecodeIte(ReadOnlySpan<byte> entry)
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        uint hi = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
        return new Ite((v & 1) != 0, ((v >> 1) & 1) != 0, (uint)((v >> 2) & 0xFF_FFFF), (ushort)(v >> 32), (ushort)(v >> 48), hi & 0x1FF_FFFF);
    }

    /// <inheritdoc/>
    public void EncodeIte(in Ite ite, Span<byte> entry)
    {
        ulong v = 0;
        uint hi = 0;
        if (ite.Valid)
        {
            v = 1UL | (ite.Physical ? 2UL : 0) | ((ulong)(ite.IntId & 0xFF_FFFF) << 2) | ((ulong)ite.Icid << 32) | ((ulong)ite.VpeId << 48);
            hi = ite.Doorbell & 0x1FF_FFFF;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(entry, v);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], hi);
    }
}
