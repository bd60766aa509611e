using System.Buffers.Binary;

namespace HwEmu.Devices.Gic;

/// <summary>
/// The Linux KVM vITS save/restore ABI REV0 (Documentation/virt/kvm/devices/arm-vgic-its.rst; reference §1.4),
/// all entries 8 bytes: DTE {V[63], next[62:49], ITT_addr[48:5] = address >> 8, Size[4:0]}, CTE {V[63],
/// RDBase[51:16] = PE number, ICID[15:0]} kept as a list, ITE {next[63:48], pINTID[47:16] (0 = invalid),
/// ICID[15:0]}. The "next" offsets are written as 0: they only serve KVM's sparse save, and lookups here are
/// indexed by DeviceID/EventID.
/// </summary>
public sealed class KvmItsTableFormat : IItsTableFormat
{
    /// <summary>The shared instance.</summary>
    public static KvmItsTableFormat Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "kvm-abi-rev0";
    /// <inheritdoc/>
    public int DteSize => 8;
    /// <inheritdoc/>
    public int CteSize => 8;
    /// <inheritdoc/>
    public int IteSize => 8;
    /// <inheritdoc/>
    public bool CollectionTableIndexedByIcid => false;

    /// <inheritdoc/>
    public Dte DecodeDte(ReadOnlySpan<byte> entry)
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        return new Dte((v >> 63) != 0, (int)(v & 0x1F), ((v >> 5) & ((1UL << 44) - 1)) << 8);
    }

    /// <inheritdoc/>
    public void EncodeDte(in Dte dte, Span<byte> entry)
    {
        ulong v = dte.Valid ? (1UL << 63) | (((dte.IttAddress >> 8) & ((1UL << 44) - 1)) << 5) | (uint)(dte.Size & 0x1F) : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(entry, v);
    }

    /// <inheritdoc/>
    public Cte DecodeCte(ReadOnlySpan<byte> entry)
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        return new Cte((v >> 63) != 0, (int)((v >> 16) & 0xFFFF_FFFF), (ushort)v);
    }

    /// <inheritdoc/>
    public void EncodeCte(in Cte cte, Span<byte> entry)
    {
        ulong v = cte.Valid ? (1UL << 63) | ((ulong)(uint)cte.ProcessorNumber << 16) | cte.Icid : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(entry, v);
    }

    /// <inheritdoc/>
    public Ite DecodeIte(ReadOnlySpan<byte> entry)
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        uint intid = (uint)(v >> 16);
        return new Ite(intid != 0, true, intid, (ushort)v);
    }

    /// <inheritdoc/>
    public void EncodeIte(in Ite ite, Span<byte> entry)
    {
        ulong v = ite.Valid ? ((ulong)ite.IntId << 16) | ite.Icid : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(entry, v);
    }
}
