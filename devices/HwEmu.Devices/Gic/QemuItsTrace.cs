using System.Globalization;

namespace HwEmu.Devices.Gic;

/// <summary>
/// Renders ITS events as QEMU's `gicv3_its_*` trace lines (hw/intc/trace-events; reference §1.8), i.e. the part of
/// a QEMU log line after "TID@TIME:", so a HwEmu run can be diffed against `-trace 'gicv3_its_*'`. Quirks kept:
/// MAPD prints the ITT field (address >> 8); MAPC prints RDbase masked to 16 bits as QEMU decodes it.
/// </summary>
public static class QemuItsTrace
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>`gicv3_its_process_command` for a command at queue index <paramref name="offset"/>.</summary>
    public static string ProcessCommand(uint offset, in ItsCommand command) =>
        string.Format(Inv, "gicv3_its_process_command GICv3 ITS: processing command at offset 0x{0:x}: 0x{1:x}", offset, (byte)command.Dw0);

    /// <summary>The `gicv3_its_cmd_*` line of a command.</summary>
    public static string Command(in ItsCommand c) => c.Type switch
    {
        ItsCommandType.Int => string.Format(Inv, "gicv3_its_cmd_int GICv3 ITS: command INT DeviceID 0x{0:x} EventID 0x{1:x}", c.DeviceId, c.EventId),
        ItsCommandType.Clear => string.Format(Inv, "gicv3_its_cmd_clear GICv3 ITS: command CLEAR DeviceID 0x{0:x} EventID 0x{1:x}", c.DeviceId, c.EventId),
        ItsCommandType.Discard => string.Format(Inv, "gicv3_its_cmd_discard GICv3 ITS: command DISCARD DeviceID 0x{0:x} EventID 0x{1:x}", c.DeviceId, c.EventId),
        ItsCommandType.Inv => string.Format(Inv, "gicv3_its_cmd_inv GICv3 ITS: command INV DeviceID 0x{0:x} EventID 0x{1:x}", c.DeviceId, c.EventId),
        ItsCommandType.Sync => "gicv3_its_cmd_sync GICv3 ITS: command SYNC",
        ItsCommandType.Mapd => string.Format(Inv, "gicv3_its_cmd_mapd GICv3 ITS: command MAPD DeviceID 0x{0:x} Size 0x{1:x} ITT_addr 0x{2:x} V {3}",
            c.DeviceId, c.ItSize, c.IttAddress >> 8, c.Valid ? 1 : 0),
        ItsCommandType.Mapc => string.Format(Inv, "gicv3_its_cmd_mapc GICv3 ITS: command MAPC ICID 0x{0:x} RDbase 0x{1:x} V {2}",
            c.Icid, c.RdBase & 0xFFFF, c.Valid ? 1 : 0),
        ItsCommandType.Mapi => string.Format(Inv, "gicv3_its_cmd_mapi GICv3 ITS: command MAPI DeviceID 0x{0:x} EventID 0x{1:x} ICID 0x{2:x}", c.DeviceId, c.EventId, c.Icid),
        ItsCommandType.Mapti => string.Format(Inv, "gicv3_its_cmd_mapti GICv3 ITS: command MAPTI DeviceID 0x{0:x} EventID 0x{1:x} ICID 0x{2:x} pINTID 0x{3:x}",
            c.DeviceId, c.EventId, c.Icid, c.PhysicalId),
        ItsCommandType.Invall => "gicv3_its_cmd_invall GICv3 ITS: command INVALL",
        ItsCommandType.Movall => string.Format(Inv, "gicv3_its_cmd_movall GICv3 ITS: command MOVALL RDbase1 0x{0:x} RDbase2 0x{1:x}", c.RdBase, c.RdBase2),
        ItsCommandType.Movi => string.Format(Inv, "gicv3_its_cmd_movi GICv3 ITS: command MOVI DeviceID 0x{0:x} EventID 0x{1:x} ICID 0x{2:x}", c.DeviceId, c.EventId, c.Icid),
        _ => string.Format(Inv, "gicv3_its_cmd_unknown GICv3 ITS: unknown command 0x{0:x}", (byte)c.Dw0),
    };

    /// <summary>`gicv3_its_translation_write` of an MSI (QEMU prints the DeviceID as requester_id).</summary>
    public static string TranslationWrite(in MsiTranslation t, int size = 4) =>
        string.Format(Inv, "gicv3_its_translation_write GICv3 ITS TRANSLATER write: offset 0x40 data 0x{0:x} size {1} requester_id 0x{2:x}",
            t.EventId, size, t.DeviceId);
}
