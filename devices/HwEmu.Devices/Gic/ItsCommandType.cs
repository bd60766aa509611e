namespace HwEmu.Devices.Gic;

/// <summary>ITS command opcodes, DW0[7:0] of a 32-byte command (IHI 0069 §6.3).</summary>
public enum ItsCommandType : byte
{
    /// <summary>MOVI: move an event to another collection.</summary>
    Movi = 0x01,
    /// <summary>INT: make the LPI of an event pending.</summary>
    Int = 0x03,
    /// <summary>CLEAR: clear the pending state of the LPI of an event.</summary>
    Clear = 0x04,
    /// <summary>SYNC: wait for the effects of earlier commands at a redistributor.</summary>
    Sync = 0x05,
    /// <summary>MAPD: map a DeviceID to an ITT.</summary>
    Mapd = 0x08,
    /// <summary>MAPC: map a collection to a redistributor.</summary>
    Mapc = 0x09,
    /// <summary>MAPTI: map an event to a physical LPI and collection.</summary>
    Mapti = 0x0A,
    /// <summary>MAPI: MAPTI with pINTID = EventID.</summary>
    Mapi = 0x0B,
    /// <summary>INV: re-read the configuration of the LPI of an event.</summary>
    Inv = 0x0C,
    /// <summary>INVALL: re-read the configuration of every LPI of a collection.</summary>
    Invall = 0x0D,
    /// <summary>MOVALL: move all pending LPIs from one redistributor to another.</summary>
    Movall = 0x0E,
    /// <summary>DISCARD: unmap an event and clear its pending LPI.</summary>
    Discard = 0x0F,
    /// <summary>VMOVI (GICv4, not modelled: treated as unknown).</summary>
    Vmovi = 0x21,
    /// <summary>VMOVP (GICv4, not modelled).</summary>
    Vmovp = 0x22,
    /// <summary>VSYNC (GICv4, not modelled).</summary>
    Vsync = 0x25,
    /// <summary>VMAPP (GICv4, not modelled).</summary>
    Vmapp = 0x29,
    /// <summary>VMAPTI (GICv4, not modelled).</summary>
    Vmapti = 0x2A,
    /// <summary>VMAPI (GICv4, not modelled).</summary>
    Vmapi = 0x2B,
    /// <summary>VINVALL (GICv4, not modelled).</summary>
    Vinvall = 0x2D,
}
