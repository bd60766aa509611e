namespace HwEmu.Cli;

/// <summary>The <c>hwemu</c> command.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => 0;
}
