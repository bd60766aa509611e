namespace HwEmu.Traces.MessagePack;

/// <summary>The header of an extension value: its application type code and data length.</summary>
/// <param name="Type">Extension type; -1 is the timestamp, other negatives are reserved by the spec.</param>
/// <param name="Length">Length of the extension data in bytes.</param>
public readonly record struct ExtensionHeader(sbyte Type, int Length);
