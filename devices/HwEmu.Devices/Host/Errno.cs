namespace HwEmu.Devices.Host;

/// <summary>
/// Linux error numbers (asm-generic/errno-base.h, errno.h) as returned by the modelled kernel paths. The kernel
/// returns them negated; the model returns the positive value and <see cref="None"/> for success.
/// </summary>
public enum Errno
{
    /// <summary>Success.</summary>
    None = 0,
    /// <summary>Operation not permitted.</summary>
    EPERM = 1,
    /// <summary>No such file or directory / entry not found.</summary>
    ENOENT = 2,
    /// <summary>Argument list too long.</summary>
    E2BIG = 7,
    /// <summary>I/O error.</summary>
    EIO = 5,
    /// <summary>Out of memory.</summary>
    ENOMEM = 12,
    /// <summary>Bad address.</summary>
    EFAULT = 14,
    /// <summary>Device or resource busy.</summary>
    EBUSY = 16,
    /// <summary>Already exists.</summary>
    EEXIST = 17,
    /// <summary>No such device.</summary>
    ENODEV = 19,
    /// <summary>Invalid argument.</summary>
    EINVAL = 22,
    /// <summary>No space left.</summary>
    ENOSPC = 28,
    /// <summary>Result out of range.</summary>
    ERANGE = 34,
    /// <summary>No such device or address.</summary>
    ENXIO = 6,
    /// <summary>Operation not supported.</summary>
    EOPNOTSUPP = 95,

    /// <summary>Connection timed out (a queue that does not drain).</summary>
    ETIMEDOUT = 110,
}
