namespace HwEmu.Campaigns;

/// <summary>PCIe completion status of a <see cref="FaultModel.CompletionError"/>.</summary>
public enum CompletionStatus
{
    /// <summary>Unsupported Request.</summary>
    Ur,
    /// <summary>Completer Abort.</summary>
    Ca,
    /// <summary>Successful completion with poisoned data (EP = 1).</summary>
    Poisoned,
}
