namespace HwEmu.Traces.Format;

/// <summary>Names of SMMUv3 command opcodes (IHI 0070 §4.1, command summary).</summary>
public static class SmmuCommandNames
{
    /// <summary>The spec name of <paramref name="opcode"/>, or null when it is not an architected command.</summary>
    public static string? Name(byte opcode) => opcode switch
    {
        0x01 => "CMD_PREFETCH_CONFIG",
        0x02 => "CMD_PREFETCH_ADDR",
        0x03 => "CMD_CFGI_STE",
        0x04 => "CMD_CFGI_STE_RANGE",
        0x05 => "CMD_CFGI_CD",
        0x06 => "CMD_CFGI_CD_ALL",
        0x07 => "CMD_CFGI_VMS_PIDM",
        0x10 => "CMD_TLBI_NH_ALL",
        0x11 => "CMD_TLBI_NH_ASID",
        0x12 => "CMD_TLBI_NH_VA",
        0x13 => "CMD_TLBI_NH_VAA",
        0x18 => "CMD_TLBI_EL3_ALL",
        0x1A => "CMD_TLBI_EL3_VA",
        0x20 => "CMD_TLBI_EL2_ALL",
        0x21 => "CMD_TLBI_EL2_ASID",
        0x22 => "CMD_TLBI_EL2_VA",
        0x23 => "CMD_TLBI_EL2_VAA",
        0x28 => "CMD_TLBI_S12_VMALL",
        0x2A => "CMD_TLBI_S2_IPA",
        0x30 => "CMD_TLBI_NSNH_ALL",
        0x40 => "CMD_ATC_INV",
        0x41 => "CMD_PRI_RESP",
        0x44 => "CMD_RESUME",
        0x45 => "CMD_STALL_TERM",
        0x46 => "CMD_SYNC",
        _ => null,
    };
}
