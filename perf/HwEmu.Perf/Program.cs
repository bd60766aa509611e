using BenchmarkDotNet.Running;

namespace HwEmu.Perf;

/// <summary>Entry point: <c>dotnet run -c Release --project perf/HwEmu.Perf -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line; <c>recording-pair plain|record</c> runs one side of
    /// perf/recording-overhead.sh's steady-state comparison instead.</summary>
    public static void Main(string[] args)
    {
        if (args is ["recording-pair", var side])
        {
            Platform.RecordingPairs.Run(side == "record");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
