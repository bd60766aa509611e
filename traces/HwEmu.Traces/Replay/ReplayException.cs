namespace HwEmu.Traces.Replay;

/// <summary>A trace cannot be replayed (unknown platform, bad platform override): bad input, not a model error.</summary>
public sealed class ReplayException(string message, Exception? inner = null) : Exception(message, inner);
