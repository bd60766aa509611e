namespace HwEmu.Devices.Platform;

/// <summary>
/// A scenario file is malformed or inconsistent. The message is always <c>FILE: $.json.path: expected X, found Y</c>
/// so a user can go straight to the offending field.
/// </summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Creates the exception for <paramref name="file"/> at <paramref name="jsonPath"/>.</summary>
    public ScenarioException(string file, string jsonPath, string expected, string found, Exception? inner = null)
        : base($"{file}: {jsonPath}: expected {expected}, found {found}", inner)
    {
        File = file;
        JsonPath = jsonPath;
        Expected = expected;
        Found = found;
    }

    /// <summary>The scenario file name (or the built-in scenario's name).</summary>
    public string File { get; }

    /// <summary>JSONPath of the offending element, e.g. <c>$.workloads[0].device</c>.</summary>
    public string JsonPath { get; }

    /// <summary>What the loader expected there.</summary>
    public string Expected { get; }

    /// <summary>What it found.</summary>
    public string Found { get; }
}
