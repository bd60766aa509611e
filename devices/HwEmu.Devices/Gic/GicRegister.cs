namespace HwEmu.Devices.Gic;

/// <summary>Reads the current value of instance <paramref name="index"/> of a register (for computed registers).</summary>
public delegate ulong GicRegisterReader(int index);

/// <summary>
/// Applies a write to instance <paramref name="index"/> of a register. <paramref name="value"/> is the full-width
/// value after merging a partial access and applying the writable mask; <paramref name="previous"/> is the value
/// before the write. The handler may change the stored value through the register file.
/// </summary>
public delegate void GicRegisterWriter(int index, ulong previous, ulong value);

/// <summary>How a declared register responds to accesses.</summary>
public enum GicRegisterAccess : byte
{
    /// <summary>Readable and writable (bits outside the writable mask keep their value).</summary>
    ReadWrite,
    /// <summary>Readable; writes are ignored (and counted as ignored writes).</summary>
    ReadOnly,
    /// <summary>Writable; reads return zero.</summary>
    WriteOnly,
}

/// <summary>
/// One declared register (or an array of <see cref="Count"/> registers spaced <see cref="Width"/> bytes apart):
/// the spec name, offset, width, reset value and behaviour. A device declares its register file once as a list
/// of these; reads, writes, dumps and documentation all come from the declaration.
/// </summary>
public sealed class GicRegister
{
    /// <summary>Declares a register.</summary>
    /// <param name="name">Spec name, e.g. "GITS_CBASER"; arrays are dumped as name&lt;n&gt;.</param>
    /// <param name="offset">Offset of instance 0 from the frame base.</param>
    /// <param name="width">4 or 8 bytes.</param>
    /// <param name="reset">Reset value of every instance.</param>
    /// <param name="access">Access behaviour.</param>
    /// <param name="description">One-line behaviour summary (for dumps and docs).</param>
    /// <param name="count">Number of instances (register arrays such as GITS_BASER&lt;n&gt;).</param>
    /// <param name="writableMask">Bits a write may change (ReadWrite/WriteOnly).</param>
    /// <param name="onRead">Computes the value instead of the stored one.</param>
    /// <param name="onWrite">Called after a write is stored.</param>
    public GicRegister(string name, uint offset, int width, ulong reset, GicRegisterAccess access, string description,
        int count = 1, ulong writableMask = ulong.MaxValue, GicRegisterReader? onRead = null, GicRegisterWriter? onWrite = null)
    {
        if (width is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(width), width, $"register {name}: width must be 4 or 8");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"register {name}: count must be positive");
        Name = name;
        Offset = offset;
        Width = width;
        Reset = reset;
        Access = access;
        Description = description;
        Count = count;
        WritableMask = width == 4 ? writableMask & 0xFFFF_FFFFUL : writableMask;
        OnRead = onRead;
        OnWrite = onWrite;
    }

    /// <summary>Spec name.</summary>
    public string Name { get; }
    /// <summary>Offset of instance 0.</summary>
    public uint Offset { get; }
    /// <summary>Width in bytes (4 or 8).</summary>
    public int Width { get; }
    /// <summary>Reset value.</summary>
    public ulong Reset { get; }
    /// <summary>Access behaviour.</summary>
    public GicRegisterAccess Access { get; }
    /// <summary>One-line description.</summary>
    public string Description { get; }
    /// <summary>Number of instances.</summary>
    public int Count { get; }
    /// <summary>Bits a write may change.</summary>
    public ulong WritableMask { get; }
    /// <summary>Optional computed read.</summary>
    public GicRegisterReader? OnRead { get; }
    /// <summary>Optional write side effect.</summary>
    public GicRegisterWriter? OnWrite { get; }

    /// <summary>One past the last byte of the last instance.</summary>
    public uint End => Offset + (uint)(Width * Count);

    /// <summary>Name of instance <paramref name="index"/> (name&lt;n&gt; for arrays).</summary>
    public string InstanceName(int index) => Count == 1 ? Name : $"{Name}{index}";
}
