namespace HwEmu.Campaigns;

/// <summary>SMMU commands a drop / delay / corruption selects.</summary>
public enum CommandKind
{
    /// <summary>Any TLBI_* command.</summary>
    Tlbi,
    /// <summary>Any CFGI_* command.</summary>
    Cfgi,
    /// <summary>CMD_SYNC.</summary>
    Sync,
    /// <summary>Any command.</summary>
    Any,
}
