namespace HwEmu.Devices.Gic;

/// <summary>
/// Why a command was skipped. Values follow the architectural command-error encoding used by Linux
/// (include/linux/irqchip/arm-gic-v3.h, reference §1.5): 0x01_0000 | opcode &lt;&lt; 8 | kind, e.g.
/// E_ITS_MAPD_DEVICE_OOR = 0x010801. Kinds 0x07 (unmapped interrupt) and 0x09 (unmapped collection) are used for
/// every command with an (DeviceID, EventID) or ICID operand, as the architecture does for INT/CLEAR/DISCARD.
/// </summary>
public enum ItsCommandError
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>E_ITS_MOVI_UNMAPPED_INTERRUPT.</summary>
    MoviUnmappedInterrupt = 0x010107,
    /// <summary>E_ITS_MOVI_UNMAPPED_COLLECTION.</summary>
    MoviUnmappedCollection = 0x010109,
    /// <summary>E_ITS_INT_UNMAPPED_INTERRUPT.</summary>
    IntUnmappedInterrupt = 0x010307,
    /// <summary>INT whose collection is unmapped (kind 0x09).</summary>
    IntUnmappedCollection = 0x010309,
    /// <summary>E_ITS_CLEAR_UNMAPPED_INTERRUPT.</summary>
    ClearUnmappedInterrupt = 0x010507,
    /// <summary>CLEAR whose collection is unmapped.</summary>
    ClearUnmappedCollection = 0x010509,
    /// <summary>E_ITS_MAPD_DEVICE_OOR (also: two-level device table without a level-2 page for the DeviceID).</summary>
    MapdDeviceOor = 0x010801,
    /// <summary>E_ITS_MAPD_ITTSIZE_OOR.</summary>
    MapdIttSizeOor = 0x010802,
    /// <summary>E_ITS_MAPC_PROCNUM_OOR.</summary>
    MapcProcnumOor = 0x010902,
    /// <summary>E_ITS_MAPC_COLLECTION_OOR.</summary>
    MapcCollectionOor = 0x010903,
    /// <summary>MAPTI DeviceID beyond the device table.</summary>
    MaptiDeviceOor = 0x010a01,
    /// <summary>MAPTI ICID beyond the collection table.</summary>
    MaptiCollectionOor = 0x010a03,
    /// <summary>E_ITS_MAPTI_UNMAPPED_DEVICE.</summary>
    MaptiUnmappedDevice = 0x010a04,
    /// <summary>E_ITS_MAPTI_ID_OOR (EventID ≥ 2^(DTE.Size+1)).</summary>
    MaptiIdOor = 0x010a05,
    /// <summary>E_ITS_MAPTI_PHYSICALID_OOR (pINTID not an LPI).</summary>
    MaptiPhysicalIdOor = 0x010a06,
    /// <summary>MAPI DeviceID beyond the device table.</summary>
    MapiDeviceOor = 0x010b01,
    /// <summary>MAPI ICID beyond the collection table.</summary>
    MapiCollectionOor = 0x010b03,
    /// <summary>MAPI on an unmapped device.</summary>
    MapiUnmappedDevice = 0x010b04,
    /// <summary>MAPI EventID beyond the device's ITT.</summary>
    MapiIdOor = 0x010b05,
    /// <summary>MAPI EventID (= pINTID) not an LPI.</summary>
    MapiPhysicalIdOor = 0x010b06,
    /// <summary>E_ITS_INV_UNMAPPED_INTERRUPT.</summary>
    InvUnmappedInterrupt = 0x010c07,
    /// <summary>INV whose collection is unmapped.</summary>
    InvUnmappedCollection = 0x010c09,
    /// <summary>E_ITS_INVALL_UNMAPPED_COLLECTION.</summary>
    InvallUnmappedCollection = 0x010d09,
    /// <summary>E_ITS_MOVALL_PROCNUM_OOR.</summary>
    MovallProcnumOor = 0x010e01,
    /// <summary>E_ITS_DISCARD_UNMAPPED_INTERRUPT.</summary>
    DiscardUnmappedInterrupt = 0x010f07,
    /// <summary>DISCARD whose collection is unmapped.</summary>
    DiscardUnmappedCollection = 0x010f09,
    /// <summary>An opcode the model does not implement (GICv4 commands, reserved opcodes): skipped.</summary>
    UnknownCommand = 0x01ff00,
    /// <summary>The ITE maps a virtual LPI (GICv4 is not modelled): skipped.</summary>
    VirtualInterrupt = 0x01ff01,
}
