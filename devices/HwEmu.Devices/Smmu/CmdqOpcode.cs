namespace HwEmu.Devices.Smmu;

/// <summary>Command opcodes (IHI 0070 §4, command bits [7:0]).</summary>
public enum CmdqOpcode : byte
{
    /// <summary>CMD_PREFETCH_CONFIG.</summary>
    PrefetchConfig = 0x01,
    /// <summary>CMD_PREFETCH_ADDR.</summary>
    PrefetchAddr = 0x02,
    /// <summary>CMD_CFGI_STE.</summary>
    CfgiSte = 0x03,
    /// <summary>CMD_CFGI_STE_RANGE (CMD_CFGI_ALL is this opcode with Range = 31).</summary>
    CfgiSteRange = 0x04,
    /// <summary>CMD_CFGI_CD.</summary>
    CfgiCd = 0x05,
    /// <summary>CMD_CFGI_CD_ALL.</summary>
    CfgiCdAll = 0x06,
    /// <summary>CMD_CFGI_VMS_PIDM (not implemented: CERROR_ILL).</summary>
    CfgiVmsPidm = 0x07,
    /// <summary>CMD_TLBI_NH_ALL.</summary>
    TlbiNhAll = 0x10,
    /// <summary>CMD_TLBI_NH_ASID.</summary>
    TlbiNhAsid = 0x11,
    /// <summary>CMD_TLBI_NH_VA.</summary>
    TlbiNhVa = 0x12,
    /// <summary>CMD_TLBI_NH_VAA.</summary>
    TlbiNhVaa = 0x13,
    /// <summary>CMD_TLBI_EL3_ALL (secure only: CERROR_ILL).</summary>
    TlbiEl3All = 0x18,
    /// <summary>CMD_TLBI_EL3_VA (secure only: CERROR_ILL).</summary>
    TlbiEl3Va = 0x1a,
    /// <summary>CMD_TLBI_EL2_ALL.</summary>
    TlbiEl2All = 0x20,
    /// <summary>CMD_TLBI_EL2_ASID.</summary>
    TlbiEl2Asid = 0x21,
    /// <summary>CMD_TLBI_EL2_VA.</summary>
    TlbiEl2Va = 0x22,
    /// <summary>CMD_TLBI_EL2_VAA.</summary>
    TlbiEl2Vaa = 0x23,
    /// <summary>CMD_TLBI_S12_VMALL.</summary>
    TlbiS12Vmall = 0x28,
    /// <summary>CMD_TLBI_S2_IPA.</summary>
    TlbiS2Ipa = 0x2a,
    /// <summary>CMD_TLBI_NSNH_ALL.</summary>
    TlbiNsnhAll = 0x30,
    /// <summary>CMD_ATC_INV (no ATS: CERROR_ILL).</summary>
    AtcInv = 0x40,
    /// <summary>CMD_PRI_RESP (no PRI: CERROR_ILL).</summary>
    PriResp = 0x41,
    /// <summary>CMD_RESUME (no stall model: CERROR_ILL).</summary>
    Resume = 0x44,
    /// <summary>CMD_STALL_TERM (no stall model: CERROR_ILL).</summary>
    StallTerm = 0x45,
    /// <summary>CMD_SYNC.</summary>
    Sync = 0x46,
}

/// <summary>CMDQ_CONS.ERR codes (IHI 0070 §7.1).</summary>
public enum CmdqError : byte
{
    /// <summary>CERROR_NONE.</summary>
    None = 0,
    /// <summary>CERROR_ILL: illegal command.</summary>
    Illegal = 1,
    /// <summary>CERROR_ABT: abort fetching the command.</summary>
    Abort = 2,
    /// <summary>CERROR_ATC_INV_SYNC.</summary>
    AtcInvSync = 3,
}
