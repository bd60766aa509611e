namespace HwEmu.Traces.Format;

/// <summary>Names of GICv3/v4 ITS command opcodes (IHI 0069 §6.3).</summary>
public static class ItsCommandNames
{
    /// <summary>The spec name of <paramref name="opcode"/>, or null when it is not an architected command.</summary>
    public static string? Name(byte opcode) => opcode switch
    {
        0x01 => "MOVI",
        0x03 => "INT",
        0x04 => "CLEAR",
        0x05 => "SYNC",
        0x08 => "MAPD",
        0x09 => "MAPC",
        0x0A => "MAPTI",
        0x0B => "MAPI",
        0x0C => "INV",
        0x0D => "INVALL",
        0x0E => "MOVALL",
        0x0F => "DISCARD",
        0x21 => "VMOVI",
        0x22 => "VMOVP",
        0x23 => "VSGI",
        0x25 => "VSYNC",
        0x29 => "VMAPP",
        0x2A => "VMAPTI",
        0x2B => "VMAPI",
        0x2D => "VINVALL",
        0x2E => "INVDB",
        _ => null,
    };
}
