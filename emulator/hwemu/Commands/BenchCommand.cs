using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace HwEmu.Cli.Commands;

/// <summary><c>hwemu bench</c>: quick throughput figures without BenchmarkDotNet.</summary>
public static class BenchCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter output)
    {
        var quick = new Option<bool>("--quick") { Description = "Short runs (a few seconds in all) instead of ~5 s per benchmark" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as a JSON array of {name, ops_per_second} to this file" };
        var filter = new Option<string?>("--filter") { Description = "Only benchmarks whose name contains this text" };
        var cmd = new Command("bench",
            "Measure the hot paths (event dispatch, memory reads, translation, interrupts, trace codec) and print\n" +
            "operations per second. For the full BenchmarkDotNet suite with allocation figures run\n" +
            "'dotnet run -c Release --project perf/HwEmu.Perf -- --filter *'.") { quick, json, filter };
        cmd.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            string? f = parse.GetValue(filter);
            var results = new List<(string Name, double OpsPerSecond)>();
            foreach (var bench in QuickBenchmarkRegistry.All)
            {
                if (f is not null && !bench.Name.Contains(f, StringComparison.Ordinal)) continue;
                var (name, ops, seconds) = bench.Run(isQuick ? 1 : 10);
                double rate = ops / Math.Max(seconds, 1e-9);
                results.Add((name, rate));
                output.WriteLine($"{name,-36} {(rate / 1e6).ToString("0.00", CultureInfo.InvariantCulture),10} M ops/s");
            }
            if (results.Count == 0) throw new BadInputException($"--filter: no benchmark name contains '{f}'");
            var file = parse.GetValue(json);
            if (file is not null)
            {
                var payload = results.Select(r => new Dictionary<string, object> { ["name"] = r.Name, ["ops_per_second"] = Math.Round(r.OpsPerSecond, 1) });
                try { File.WriteAllText(file.FullName, JsonSerializer.Serialize(payload, new JsonSerializerOptions { WriteIndented = true }) + "\n"); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                { throw new BadInputException($"--json: cannot write '{file.FullName}': {ex.Message}", ex); }
            }
            return Program.ExitOk;
        });
        return cmd;
    }
}
