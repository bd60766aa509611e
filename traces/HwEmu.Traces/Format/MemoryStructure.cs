namespace HwEmu.Traces.Format;

/// <summary>Which in-memory structure a recorded memory write initialises (so setup replays and dumps read well).</summary>
public enum MemoryStructure : byte
{
    /// <summary>Anything else (DMA buffers, driver data).</summary>
    Other = 0,
    /// <summary>SMMU stream table (STEs or level-1 descriptors).</summary>
    StreamTable = 1,
    /// <summary>SMMU context descriptor table.</summary>
    ContextDescriptor = 2,
    /// <summary>Stage-1 or stage-2 translation table.</summary>
    TranslationTable = 3,
    /// <summary>SMMU command queue entries.</summary>
    SmmuCommandQueue = 4,
    /// <summary>SMMU event queue.</summary>
    SmmuEventQueue = 5,
    /// <summary>ITS command queue entries.</summary>
    ItsCommandQueue = 6,
    /// <summary>ITS device table.</summary>
    ItsDeviceTable = 7,
    /// <summary>ITS collection table.</summary>
    ItsCollectionTable = 8,
    /// <summary>ITS interrupt translation table.</summary>
    Itt = 9,
    /// <summary>LPI configuration table.</summary>
    LpiConfigurationTable = 10,
    /// <summary>LPI pending table.</summary>
    LpiPendingTable = 11,
}
