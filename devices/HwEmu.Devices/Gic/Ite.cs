namespace HwEmu.Devices.Gic;

/// <summary>An Interrupt Translation Entry, decoded.</summary>
/// <param name="Valid">The event is mapped.</param>
/// <param name="Physical">Physical LPI (INTTYPE = 1); virtual entries are not modelled and never deliver.</param>
/// <param name="IntId">The physical LPI INTID (pINTID).</param>
/// <param name="Icid">The collection the LPI is routed through.</param>
/// <param name="VpeId">vPEID of a virtual entry (0 for physical).</param>
/// <param name="Doorbell">Doorbell pINTID of a virtual entry (QEMU writes 1023 for physical entries).</param>
public readonly record struct Ite(bool Valid, bool Physical, uint IntId, ushort Icid, ushort VpeId = 0, uint Doorbell = 1023);
