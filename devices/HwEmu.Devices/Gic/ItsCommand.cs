using System.Buffers.Binary;

namespace HwEmu.Devices.Gic;

/// <summary>
/// One 32-byte ITS command as four little-endian doublewords (IHI 0069 §6.3, field table in reference §1.3).
/// The accessors decode the fields every command shares; the static builders produce the exact encoding a
/// driver writes into the command queue.
/// </summary>
public readonly record struct ItsCommand(ulong Dw0, ulong Dw1, ulong Dw2, ulong Dw3)
{
    /// <summary>Size of a command in bytes.</summary>
    public const int Size = 32;

    /// <summary>Opcode, DW0[7:0].</summary>
    public ItsCommandType Type => (ItsCommandType)(byte)Dw0;
    /// <summary>DeviceID, DW0[63:32].</summary>
    public uint DeviceId => (uint)(Dw0 >> 32);
    /// <summary>EventID, DW1[31:0].</summary>
    public uint EventId => (uint)Dw1;
    /// <summary>pINTID of MAPTI, DW1[63:32].</summary>
    public uint PhysicalId => (uint)(Dw1 >> 32);
    /// <summary>MAPD Size, DW1[4:0]: EventID bits − 1.</summary>
    public int ItSize => (int)(Dw1 & 0x1F);
    /// <summary>MAPD ITT_addr, DW2[51:8] (256-byte aligned address).</summary>
    public ulong IttAddress => Dw2 & 0x000F_FFFF_FFFF_FF00UL;
    /// <summary>V bit of MAPD/MAPC, DW2[63].</summary>
    public bool Valid => (Dw2 >> 63) != 0;
    /// <summary>ICID, DW2[15:0] (MAPC, MAPTI, MAPI, MOVI, INVALL).</summary>
    public ushort Icid => (ushort)Dw2;
    /// <summary>RDbase of MAPC/SYNC and RDbase1 of MOVALL, DW2[51:16].</summary>
    public ulong RdBase => (Dw2 >> 16) & 0xF_FFFF_FFFFUL;
    /// <summary>RDbase2 of MOVALL, DW3[51:16].</summary>
    public ulong RdBase2 => (Dw3 >> 16) & 0xF_FFFF_FFFFUL;

    /// <summary>Decodes 32 bytes.</summary>
    public static ItsCommand Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));

    /// <summary>Encodes into 32 bytes.</summary>
    public void Write(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Dw0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Dw1);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], Dw2);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[24..], Dw3);
    }

    private static ulong Op(ItsCommandType t, uint deviceId = 0) => (byte)t | ((ulong)deviceId << 32);
    private static ulong V(bool valid) => valid ? 1UL << 63 : 0;

    /// <summary>MAPD DeviceID, Size (EventID bits − 1), ITT_addr, V.</summary>
    public static ItsCommand Mapd(uint deviceId, int size, ulong ittAddress, bool valid) =>
        new(Op(ItsCommandType.Mapd, deviceId), (ulong)(size & 0x1F), V(valid) | (ittAddress & 0x000F_FFFF_FFFF_FF00UL), 0);

    /// <summary>MAPC ICID, RDbase (processor number when GITS_TYPER.PTA = 0, else RD address >> 16), V.</summary>
    public static ItsCommand Mapc(ushort icid, ulong rdBase, bool valid) =>
        new(Op(ItsCommandType.Mapc), 0, V(valid) | ((rdBase & 0xF_FFFF_FFFFUL) << 16) | icid, 0);

    /// <summary>MAPTI DeviceID, EventID, pINTID, ICID.</summary>
    public static ItsCommand Mapti(uint deviceId, uint eventId, uint physicalId, ushort icid) =>
        new(Op(ItsCommandType.Mapti, deviceId), eventId | ((ulong)physicalId << 32), icid, 0);

    /// <summary>MAPI DeviceID, EventID (= pINTID), ICID.</summary>
    public static ItsCommand Mapi(uint deviceId, uint eventId, ushort icid) =>
        new(Op(ItsCommandType.Mapi, deviceId), eventId, icid, 0);

    /// <summary>INT DeviceID, EventID.</summary>
    public static ItsCommand Int(uint deviceId, uint eventId) => new(Op(ItsCommandType.Int, deviceId), eventId, 0, 0);

    /// <summary>CLEAR DeviceID, EventID.</summary>
    public static ItsCommand Clear(uint deviceId, uint eventId) => new(Op(ItsCommandType.Clear, deviceId), eventId, 0, 0);

    /// <summary>DISCARD DeviceID, EventID.</summary>
    public static ItsCommand Discard(uint deviceId, uint eventId) => new(Op(ItsCommandType.Discard, deviceId), eventId, 0, 0);

    /// <summary>INV DeviceID, EventID.</summary>
    public static ItsCommand Inv(uint deviceId, uint eventId) => new(Op(ItsCommandType.Inv, deviceId), eventId, 0, 0);

    /// <summary>INVALL ICID.</summary>
    public static ItsCommand Invall(ushort icid) => new(Op(ItsCommandType.Invall), 0, icid, 0);

    /// <summary>MOVI DeviceID, EventID, new ICID.</summary>
    public static ItsCommand Movi(uint deviceId, uint eventId, ushort icid) =>
        new(Op(ItsCommandType.Movi, deviceId), eventId, icid, 0);

    /// <summary>MOVALL RDbase1 → RDbase2.</summary>
    public static ItsCommand Movall(ulong rdBase1, ulong rdBase2) =>
        new(Op(ItsCommandType.Movall), 0, (rdBase1 & 0xF_FFFF_FFFFUL) << 16, (rdBase2 & 0xF_FFFF_FFFFUL) << 16);

    /// <summary>SYNC RDbase.</summary>
    public static ItsCommand Sync(ulong rdBase) => new(Op(ItsCommandType.Sync), 0, (rdBase & 0xF_FFFF_FFFFUL) << 16, 0);

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        ItsCommandType.Mapd => $"MAPD DeviceID 0x{DeviceId:x} Size 0x{ItSize:x} ITT_addr 0x{IttAddress:x} V {(Valid ? 1 : 0)}",
        ItsCommandType.Mapc => $"MAPC ICID 0x{Icid:x} RDbase 0x{RdBase:x} V {(Valid ? 1 : 0)}",
        ItsCommandType.Mapti => $"MAPTI DeviceID 0x{DeviceId:x} EventID 0x{EventId:x} ICID 0x{Icid:x} pINTID 0x{PhysicalId:x}",
        ItsCommandType.Mapi => $"MAPI DeviceID 0x{DeviceId:x} EventID 0x{EventId:x} ICID 0x{Icid:x}",
        ItsCommandType.Int or ItsCommandType.Clear or ItsCommandType.Discard or ItsCommandType.Inv =>
            $"{Type.ToString().ToUpperInvariant()} DeviceID 0x{DeviceId:x} EventID 0x{EventId:x}",
        ItsCommandType.Movi => $"MOVI DeviceID 0x{DeviceId:x} EventID 0x{EventId:x} ICID 0x{Icid:x}",
        ItsCommandType.Invall => $"INVALL ICID 0x{Icid:x}",
        ItsCommandType.Movall => $"MOVALL RDbase1 0x{RdBase:x} RDbase2 0x{RdBase2:x}",
        ItsCommandType.Sync => $"SYNC RDbase 0x{RdBase:x}",
        _ => $"unknown command 0x{(byte)Dw0:x}",
    };
}
