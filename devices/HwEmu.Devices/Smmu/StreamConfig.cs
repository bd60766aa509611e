namespace HwEmu.Devices.Smmu;

/// <summary>What a stream's configuration does with its traffic.</summary>
public enum StreamKind : byte
{
    /// <summary>Terminate with an abort, no event (STE.Config = abort).</summary>
    Abort,
    /// <summary>Pass through untranslated.</summary>
    Bypass,
    /// <summary>Stage 1 only.</summary>
    Stage1,
    /// <summary>Stage 2 only.</summary>
    Stage2,
    /// <summary>Stage 1 then stage 2.</summary>
    Nested,
    /// <summary>Non-substream traffic with STE.S1DSS = terminate: F_STREAM_DISABLED.</summary>
    Disabled,
}

/// <summary>Parameters of one translation table (one TTBx of a CD, or the stage-2 table of an STE).</summary>
public struct StageParams
{
    /// <summary>Table base (an IPA for stage-1 tables of a nested stream).</summary>
    public ulong Ttb;
    /// <summary>log2 of the granule: 12, 14 or 16.</summary>
    public byte GranuleShift;
    /// <summary>Input address bits (64 - TxSZ).</summary>
    public byte InputBits;
    /// <summary>Output address bits (IPS/S2PS capped to OAS).</summary>
    public byte OutputBits;
    /// <summary>Level of the first lookup.</summary>
    public sbyte StartLevel;
    /// <summary>False when walks through this table are disabled (CD.EPDx).</summary>
    public bool Enabled;
    /// <summary>Hierarchical attributes (APTable/XNTable) ignored.</summary>
    public bool HierarchicalDisabled;
    /// <summary>Access-flag faults disabled (CD.AFFD / STE.S2AFFD).</summary>
    public bool AccessFlagFaultDisabled;
    /// <summary>Top byte ignored (CD.TBIx).</summary>
    public bool TopByteIgnore;
}

/// <summary>
/// The decoded configuration of one (StreamID, SubstreamID): what the config cache holds, built from the STE and
/// the CD so that a TLB hit needs nothing else.
/// </summary>
public struct StreamConfig
{
    /// <summary>What the stream does.</summary>
    public StreamKind Kind;
    /// <summary>ASID tag (stage-1 kinds).</summary>
    public int Asid;
    /// <summary>VMID tag (0 when stage 2 is not implemented).</summary>
    public int Vmid;
    /// <summary>CD.R: record stage-1 translation faults.</summary>
    public bool RecordStage1;
    /// <summary>STE.S2R: record stage-2 translation faults.</summary>
    public bool RecordStage2;
    /// <summary>CD.A: abort (true) rather than RAZ/WI when a fault terminates a transaction.</summary>
    public bool AbortOnFault;
    /// <summary>STE.PRIVCFG.</summary>
    public byte PrivCfg;
    /// <summary>STE.INSTCFG.</summary>
    public byte InstCfg;
    /// <summary>log2 of the page size used to index the TLB (the smallest granule in use).</summary>
    public byte TlbIndexShift;
    /// <summary>Stage-1 TTB0 table.</summary>
    public StageParams Tt0;
    /// <summary>Stage-1 TTB1 table.</summary>
    public StageParams Tt1;
    /// <summary>Stage-2 table.</summary>
    public StageParams S2;

    /// <summary>True when stage 1 translates.</summary>
    public readonly bool HasStage1 => Kind is StreamKind.Stage1 or StreamKind.Nested;
    /// <summary>True when stage 2 translates.</summary>
    public readonly bool HasStage2 => Kind is StreamKind.Stage2 or StreamKind.Nested;
}
