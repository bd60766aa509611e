namespace HwEmu.Devices.Gic;

/// <summary>One executed (or skipped, or stalling) command, as reported to observers.</summary>
/// <param name="Offset">Queue index of the command (GITS_CREADR.Offset).</param>
/// <param name="Command">The 32 bytes as read.</param>
/// <param name="Error">Why it was skipped, or None.</param>
/// <param name="Stall">Why the queue stalled on it, or None.</param>
/// <param name="CompletePs">Time the command completed in the timing layer.</param>
public readonly record struct ItsCommandRecord(uint Offset, ItsCommand Command, ItsCommandError Error, ItsStallReason Stall, ulong CompletePs);
