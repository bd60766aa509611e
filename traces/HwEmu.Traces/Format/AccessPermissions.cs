namespace HwEmu.Traces.Format;

/// <summary>Permissions granted by a translation.</summary>
[Flags]
public enum AccessPermissions : byte
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary>Read allowed.</summary>
    Read = 1 << 0,
    /// <summary>Write allowed.</summary>
    Write = 1 << 1,
    /// <summary>Execute (instruction fetch) allowed.</summary>
    Execute = 1 << 2,
    /// <summary>Privileged-only mapping.</summary>
    PrivilegedOnly = 1 << 3,
}
