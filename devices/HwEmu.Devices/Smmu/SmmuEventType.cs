namespace HwEmu.Devices.Smmu;

/// <summary>Event record type codes (IHI 0070 §7.3, EVENTQ record bits [7:0]).</summary>
public enum SmmuEventType : byte
{
    /// <summary>No event (used for "no fault").</summary>
    None = 0x00,
    /// <summary>F_UUT: unsupported upstream transaction.</summary>
    FUut = 0x01,
    /// <summary>C_BAD_STREAMID: StreamID out of range or the L1STD is invalid.</summary>
    CBadStreamId = 0x02,
    /// <summary>F_STE_FETCH: external abort fetching an STE (or L1STD).</summary>
    FSteFetch = 0x03,
    /// <summary>C_BAD_STE: the STE is invalid or malformed.</summary>
    CBadSte = 0x04,
    /// <summary>F_BAD_ATS_TREQ: ATS translation request not allowed.</summary>
    FBadAtsTreq = 0x05,
    /// <summary>F_STREAM_DISABLED: non-substream traffic when STE.S1DSS = terminate.</summary>
    FStreamDisabled = 0x06,
    /// <summary>F_TRANSL_FORBIDDEN: translated ATS traffic forbidden.</summary>
    FTranslForbidden = 0x07,
    /// <summary>C_BAD_SUBSTREAMID: SubstreamID out of range, not supported, or L1CD invalid.</summary>
    CBadSubstreamId = 0x08,
    /// <summary>F_CD_FETCH: external abort fetching a CD (or L1CD).</summary>
    FCdFetch = 0x09,
    /// <summary>C_BAD_CD: the CD is invalid or malformed.</summary>
    CBadCd = 0x0a,
    /// <summary>F_WALK_EABT: external abort on a translation table walk.</summary>
    FWalkEabt = 0x0b,
    /// <summary>F_TRANSLATION: translation fault.</summary>
    FTranslation = 0x10,
    /// <summary>F_ADDR_SIZE: address size fault.</summary>
    FAddrSize = 0x11,
    /// <summary>F_ACCESS: access flag fault.</summary>
    FAccess = 0x12,
    /// <summary>F_PERMISSION: permission fault.</summary>
    FPermission = 0x13,
    /// <summary>F_TLB_CONFLICT: conflicting TLB entries.</summary>
    FTlbConflict = 0x20,
    /// <summary>F_CFG_CONFLICT: conflicting configuration cache entries.</summary>
    FCfgConflict = 0x21,
    /// <summary>E_PAGE_REQUEST: PRI page request (not generated: no PRI).</summary>
    EPageRequest = 0x24,
}

/// <summary>CLASS field of translation-related event records (IHI 0070 §7.3.12): which access faulted.</summary>
public enum SmmuEventClass : byte
{
    /// <summary>CD fetch (through stage 2 in nested configurations).</summary>
    Cd = 0,
    /// <summary>Stage-1 translation table fetch (through stage 2).</summary>
    Tt = 1,
    /// <summary>The input address of the transaction.</summary>
    In = 2,
}
