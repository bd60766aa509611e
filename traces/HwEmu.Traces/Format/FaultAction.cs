namespace HwEmu.Traces.Format;

/// <summary>What happened to a transaction whose translation faulted.</summary>
public enum FaultAction : byte
{
    /// <summary>Terminated with an abort to the requester (PCIe UR/CA completion for reads, dropped write).</summary>
    Terminated = 0,
    /// <summary>Terminated with RAZ/WI behaviour (CD.A / STE.S2R = 0 style silent termination).</summary>
    TerminatedSilently = 1,
    /// <summary>Stalled, waiting for CMD_RESUME / CMD_STALL_TERM (stall model).</summary>
    Stalled = 2,
}
