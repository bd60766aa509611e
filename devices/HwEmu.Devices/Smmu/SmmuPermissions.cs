namespace HwEmu.Devices.Smmu;

/// <summary>Access permissions of a translation, per privilege level (bit mask).</summary>
[Flags]
public enum SmmuPermissions : byte
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary>Privileged read.</summary>
    PrivRead = 1,
    /// <summary>Privileged write.</summary>
    PrivWrite = 2,
    /// <summary>Privileged instruction fetch.</summary>
    PrivExec = 4,
    /// <summary>Unprivileged read.</summary>
    UserRead = 8,
    /// <summary>Unprivileged write.</summary>
    UserWrite = 16,
    /// <summary>Unprivileged instruction fetch.</summary>
    UserExec = 32,
    /// <summary>Everything (a bypassed stage).</summary>
    All = 63,
}
