using BenchmarkDotNet.Running;

namespace HwEmu.Perf;

/// <summary>Entry point: <c>dotnet run -c Release --project perf/HwEmu.Perf -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
