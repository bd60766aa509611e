namespace HwEmu.Devices.Gic;

/// <summary>A Device Table Entry, decoded (its in-memory layout belongs to the <see cref="IItsTableFormat"/>).</summary>
/// <param name="Valid">The DeviceID is mapped.</param>
/// <param name="Size">EventID bits − 1 (MAPD Size): events 0 .. 2^(Size+1) − 1 are valid.</param>
/// <param name="IttAddress">Physical address of the device's Interrupt Translation Table (256-byte aligned).</param>
public readonly record struct Dte(bool Valid, int Size, ulong IttAddress);
