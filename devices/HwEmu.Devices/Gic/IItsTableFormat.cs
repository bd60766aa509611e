namespace HwEmu.Devices.Gic;

/// <summary>
/// The in-memory layout of the ITS's Device, Collection and Interrupt Translation Tables. The architecture leaves
/// it IMPLEMENTATION DEFINED (IHI 0069 §5.2); a memory image is read back correctly only with the layout of the
/// implementation that wrote it. <see cref="QemuItsTableFormat"/> is the default; <see cref="KvmItsTableFormat"/>
/// is the Linux KVM vITS save/restore ABI.
/// </summary>
public interface IItsTableFormat
{
    /// <summary>Short name for reports.</summary>
    string Name { get; }
    /// <summary>Bytes per DTE (GITS_BASER.Entry_Size + 1 for the device table).</summary>
    int DteSize { get; }
    /// <summary>Bytes per CTE.</summary>
    int CteSize { get; }
    /// <summary>Bytes per ITE (GITS_TYPER.ITT_entry_size + 1).</summary>
    int IteSize { get; }
    /// <summary>
    /// True when the collection table is an array indexed by ICID; false when it is a list of entries that each
    /// carry their ICID (looked up by scanning, ended by the first invalid entry).
    /// </summary>
    bool CollectionTableIndexedByIcid { get; }

    /// <summary>Decodes a DTE from its first <see cref="DteSize"/> bytes.</summary>
    Dte DecodeDte(ReadOnlySpan<byte> entry);
    /// <summary>Encodes a DTE into <see cref="DteSize"/> bytes.</summary>
    void EncodeDte(in Dte dte, Span<byte> entry);
    /// <summary>Decodes a CTE.</summary>
    Cte DecodeCte(ReadOnlySpan<byte> entry);
    /// <summary>Encodes a CTE.</summary>
    void EncodeCte(in Cte cte, Span<byte> entry);
    /// <summary>Decodes an ITE.</summary>
    Ite DecodeIte(ReadOnlySpan<byte> entry);
    /// <summary>Encodes an ITE.</summary>
    void EncodeIte(in Ite ite, Span<byte> entry);
}
