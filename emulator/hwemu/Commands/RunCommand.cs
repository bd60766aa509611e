using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HwEmu.Cli.Demo;

namespace HwEmu.Cli.Commands;

/// <summary><c>hwemu run</c>: runs a simulation and prints its summary.</summary>
public static class RunCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var duration = new Option<string>("--duration") { Description = "Simulated time to run, e.g. 1ms, 250us (default 1ms)", DefaultValueFactory = _ => "1ms" };
        var seed = new Option<ulong>("--seed") { Description = "Run seed; same seed, same results", DefaultValueFactory = _ => 1 };
        var outstanding = new Option<int>("--outstanding") { Description = "DMA transfers kept in flight (1..256)", DefaultValueFactory = _ => 16 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the summary as JSON to this file" };
        var cmd = new Command("run",
            "Run the built-in scenario and print a summary. Until scenario files land, this is a DMA engine behind a\n" +
            "PCIe Gen4 x4 link doing 4 KiB reads and writes to random DRAM pages, with every read checked.")
        {
            duration, seed, outstanding, json,
        };
        cmd.SetAction(parse =>
        {
            ulong ps = SimDuration.Parse(parse.GetValue(duration)!, "--duration");
            int n = parse.GetValue(outstanding);
            if (n is < 1 or > 256) throw new BadInputException($"--outstanding: {n} is not in 1..256");
            return Execute(ps, parse.GetValue(seed), n, parse.GetValue(json), output, error);
        });
        return cmd;
    }

    private static int Execute(ulong durationPs, ulong seed, int outstanding, FileInfo? json, TextWriter output, TextWriter error)
    {
        var demo = new DmaDemo(seed, outstanding);
        var progress = new ProgressReporter(error, durationPs);
        var wall = Stopwatch.StartNew();
        demo.Run(durationPs, () => progress.Tick(demo.Simulator));
        wall.Stop();
        progress.Done();

        var stats = demo.Simulator.Statistics;
        long transfers = demo.Reads + demo.Writes;
        double simSeconds = durationPs / 1e12;
        var summary = new Dictionary<string, object>
        {
            ["scenario"] = "demo-dma",
            ["seed"] = seed,
            ["simulated_ps"] = durationPs,
            ["events"] = stats.EventsExecuted,
            ["reads"] = demo.Reads,
            ["writes"] = demo.Writes,
            ["data_mismatches"] = demo.DataMismatches,
            ["throughput_gb_per_s"] = Math.Round(transfers * 4096 / simSeconds / 1e9, 6),
            ["iops"] = Math.Round(transfers / simSeconds, 1),
            ["mean_latency_ns"] = transfers == 0 ? 0 : Math.Round(demo.TotalLatencyPs / (double)transfers / 1000, 3),
            ["max_latency_ns"] = Math.Round(demo.MaxLatencyPs / 1000.0, 3),
            ["link_upstream_bytes"] = demo.Link.UpstreamBytes,
            ["link_downstream_bytes"] = demo.Link.DownstreamBytes,
        };

        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"scenario        demo-dma (seed {seed}, {outstanding} in flight, PCIe Gen4 x4, 4 KiB transfers)");
        output.WriteLine($"simulated time  {SimDuration.Format(durationPs)}");
        output.WriteLine($"transfers       {demo.Reads.ToString(inv)} reads, {demo.Writes.ToString(inv)} writes, {demo.DataMismatches} data mismatches");
        output.WriteLine($"throughput      {((double)summary["throughput_gb_per_s"]).ToString("0.000", inv)} GB/s, {((double)summary["iops"]).ToString("0", inv)} IOPS");
        output.WriteLine($"latency         mean {((double)summary["mean_latency_ns"]).ToString("0.0", inv)} ns, max {((double)summary["max_latency_ns"]).ToString("0.0", inv)} ns");
        output.WriteLine($"events          {stats.EventsExecuted.ToString(inv)} in {wall.Elapsed.TotalSeconds.ToString("0.000", inv)} s wall " +
                         $"({(stats.EventsExecuted / Math.Max(wall.Elapsed.TotalSeconds, 1e-9) / 1e6).ToString("0.00", inv)} M events/s, " +
                         $"{(transfers / Math.Max(wall.Elapsed.TotalSeconds, 1e-9) / 1e6).ToString("0.00", inv)} M transfers/s)");
        if (json is not null) WriteJson(json, summary);
        return demo.DataMismatches == 0 ? Program.ExitOk : Program.ExitRunFailed;
    }

    private static void WriteJson(FileInfo file, Dictionary<string, object> summary)
    {
        try
        {
            File.WriteAllText(file.FullName, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"--json: cannot write '{file.FullName}': {ex.Message}", ex);
        }
    }
}
