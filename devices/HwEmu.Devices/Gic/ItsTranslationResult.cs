namespace HwEmu.Devices.Gic;

/// <summary>What became of one MSI written to GITS_TRANSLATER (or one INT command).</summary>
public enum ItsTranslationResult : byte
{
    /// <summary>The LPI became pending and enabled: signalled to the CPU interface.</summary>
    Delivered,
    /// <summary>The LPI was already pending: the two merged into one interrupt.</summary>
    Merged,
    /// <summary>The LPI is pending but disabled in the configuration table (held until enabled + INV).</summary>
    PendingDisabled,
    /// <summary>Dropped: the ITS is disabled.</summary>
    ItsDisabled,
    /// <summary>Dropped: DeviceID beyond the device table.</summary>
    DeviceOutOfRange,
    /// <summary>Dropped: the DTE is invalid (or no level-2 page exists).</summary>
    UnmappedDevice,
    /// <summary>Dropped: EventID ≥ 2^(DTE.Size+1).</summary>
    EventOutOfRange,
    /// <summary>Dropped: the ITE is invalid.</summary>
    UnmappedEvent,
    /// <summary>Dropped: the ITE maps a virtual LPI (GICv4 not modelled).</summary>
    VirtualNotModelled,
    /// <summary>Dropped: the collection is beyond the table or its CTE is invalid.</summary>
    UnmappedCollection,
    /// <summary>Dropped: the target redistributor does not exist.</summary>
    NoSuchRedistributor,
    /// <summary>Dropped: the target redistributor has GICR_CTLR.EnableLPIs = 0.</summary>
    LpisDisabled,
    /// <summary>Dropped: the INTID is beyond GICR_PROPBASER.IDbits.</summary>
    IntIdOutOfRange,
    /// <summary>Dropped: reading a table faulted (the writer gets a bus error).</summary>
    TableFault,
}
