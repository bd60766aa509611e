namespace HwEmu.Devices.Gic;

/// <summary>A Collection Table Entry, decoded.</summary>
/// <param name="Valid">The collection is mapped.</param>
/// <param name="ProcessorNumber">Target redistributor, as a processor number (the model converts PTA=1 RD addresses).</param>
/// <param name="Icid">The collection ID (stored in formats whose table is a list, not an array indexed by ICID).</param>
public readonly record struct Cte(bool Valid, int ProcessorNumber, ushort Icid = 0);
