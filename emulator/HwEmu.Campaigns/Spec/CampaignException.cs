namespace HwEmu.Campaigns;

/// <summary>
/// A malformed campaign file (or a campaign that cannot run on its target): names the file, the JSON path and
/// what was expected. The CLI turns it into exit code 2.
/// </summary>
public sealed class CampaignException : Exception
{
    /// <summary>Creates the error for <paramref name="file"/> at <paramref name="jsonPath"/>.</summary>
    public CampaignException(string file, string jsonPath, string expected, string found, Exception? inner = null)
        : base($"{file}: {jsonPath}: expected {expected}, found {found}", inner)
    {
        File = file;
        JsonPath = jsonPath;
        Expected = expected;
        Found = found;
    }

    /// <summary>Creates an error with a free-form message (results files, merges).</summary>
    public CampaignException(string message, Exception? inner = null) : base(message, inner)
    {
        File = JsonPath = Expected = Found = "";
    }

    /// <summary>The campaign (or results) file.</summary>
    public string File { get; }
    /// <summary>Where in the file, as a JSON path (<c>$.faults[2].bit</c>).</summary>
    public string JsonPath { get; }
    /// <summary>What was expected there.</summary>
    public string Expected { get; }
    /// <summary>What was found.</summary>
    public string Found { get; }
}
