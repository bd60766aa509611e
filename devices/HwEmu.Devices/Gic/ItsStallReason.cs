namespace HwEmu.Devices.Gic;

/// <summary>Why the command queue stalled (GITS_CREADR.Stalled = 1): memory faults, never parameter errors.</summary>
public enum ItsStallReason : byte
{
    /// <summary>Not stalled.</summary>
    None,
    /// <summary>Reading the 32-byte command faulted.</summary>
    CommandReadFault,
    /// <summary>Reading a level-1 table entry faulted.</summary>
    Level1ReadFault,
    /// <summary>Reading a DTE faulted.</summary>
    DteReadFault,
    /// <summary>Reading an ITE faulted.</summary>
    IteReadFault,
    /// <summary>Reading a CTE faulted.</summary>
    CteReadFault,
    /// <summary>Writing a table entry faulted.</summary>
    TableWriteFault,
}
