namespace HwEmu.Devices.Smmu;

/// <summary>An upstream transaction presented to the SMMU for translation (passed by reference, never boxed).</summary>
public struct SmmuTransaction
{
    /// <summary>StreamID.</summary>
    public uint StreamId;
    /// <summary>SubstreamID (PASID), meaningful when <see cref="SubstreamValid"/>.</summary>
    public uint SubstreamId;
    /// <summary>The transaction carries a SubstreamID.</summary>
    public bool SubstreamValid;
    /// <summary>Input address (VA or IPA).</summary>
    public ulong Address;
    /// <summary>Size in bytes.</summary>
    public uint Size;
    /// <summary>Write (true) or read (false).</summary>
    public bool Write;
    /// <summary>Privileged (AxPROT[0]).</summary>
    public bool Privileged;
    /// <summary>Instruction fetch (AxPROT[2]).</summary>
    public bool Instruction;

    /// <summary>A data read.</summary>
    public static SmmuTransaction Read(uint streamId, ulong address, uint size = 4) => new() { StreamId = streamId, Address = address, Size = size };

    /// <summary>A data write.</summary>
    public static SmmuTransaction WriteTo(uint streamId, ulong address, uint size = 4) => new() { StreamId = streamId, Address = address, Size = size, Write = true };
}
