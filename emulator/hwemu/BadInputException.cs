namespace HwEmu.Cli;

/// <summary>Bad usage or bad input: printed as one clear message, exit code 2.</summary>
public sealed class BadInputException(string message, Exception? inner = null) : Exception(message, inner);
