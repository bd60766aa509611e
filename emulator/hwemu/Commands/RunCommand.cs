using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Traces.Recording;

namespace HwEmu.Cli.Commands;

/// <summary><c>hwemu run [SCENARIO]</c>: builds the scenario's machine, runs it and prints its summary.</summary>
public static class RunCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var scenarioArg = new Argument<string>("SCENARIO")
        {
            Description = $"Scenario file (JSON, docs/scenario-schema.md) or built-in name: {string.Join(", ", BuiltInScenarios.Names)}",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => BuiltInScenarios.DefaultName,
        };
        var duration = new Option<string?>("--duration") { Description = "Simulated time to run instead of the scenario's, e.g. 1ms, 250us" };
        var seed = new Option<ulong?>("--seed") { Description = "Run seed instead of the scenario's; same seed, same results" };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file" };
        var perfetto = new Option<FileInfo?>("--perfetto") { Description = "Write a Chrome/Perfetto trace-event JSON file (open in ui.perfetto.dev)" };
        var report = new Option<FileInfo?>("--report") { Description = "Write a self-contained HTML report with SVG charts" };
        var trace = new Option<FileInfo?>("--trace") { Description = "Record the run as a HwEmu trace (setup writes, commands, DMA, translations, MSIs, interrupts)" };
        var unsafeIrq = new Option<bool>("--allow-unsafe-interrupts") { Description = "Set vfio_iommu_type1.allow_unsafe_interrupts (VFIO accepts GICv2m)" };
        var cmd = new Command("run",
            "Run a scenario: build its machine (memory, SMMUv3, GIC with ITS or GICv2m, PCIe fabric, endpoints), set it\n" +
            "up through the Linux host model, drive the workloads and print per-device throughput, translation latency,\n" +
            "cache hit rates, faults, interrupts and P2P bypasses.")
        {
            scenarioArg, duration, seed, json, perfetto, report, trace, unsafeIrq,
        };
        cmd.SetAction(parse =>
        {
            string name = parse.GetValue(scenarioArg)!;
            Scenario scenario = Load(name);
            if (parse.GetValue(duration) is string d)
                scenario = scenario with { Run = scenario.Run with { DurationPs = SimDuration.Parse(d, "--duration") } };
            if (parse.GetValue(seed) is ulong s) scenario = scenario with { Seed = s };
            var options = new HostSetupOptions { AllowUnsafeInterrupts = parse.GetValue(unsafeIrq) };
            return ExecuteReportingTraceErrors(scenario, options, parse.GetValue(json), parse.GetValue(perfetto), parse.GetValue(report),
                parse.GetValue(trace), output, error);
        });
        return cmd;
    }

    /// <summary>Loads a scenario file or built-in scenario; bad input becomes <see cref="BadInputException"/>.</summary>
    public static Scenario Load(string pathOrName)
    {
        try
        {
            if (!File.Exists(pathOrName) && !BuiltInScenarios.TryGet(pathOrName, out _) && !pathOrName.Contains('.') && !pathOrName.Contains('/'))
                throw new BadInputException($"SCENARIO: '{pathOrName}' is neither a file nor a built-in scenario (built-in: {string.Join(", ", BuiltInScenarios.Names)})");
            return ScenarioLoader.LoadFileOrBuiltIn(pathOrName);
        }
        catch (ScenarioException ex)
        {
            throw new BadInputException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{pathOrName}: cannot read the scenario: {ex.Message}", ex);
        }
    }

    // The trace and the Perfetto file are written as the run goes (the trace on the recorder's own thread), so a full
    // disk shows up as an IOException from an append, Complete or Dispose. The run failed to produce its output: exit 1
    // with the message, which names the file, rather than an unhandled exception.
    private static int ExecuteReportingTraceErrors(Scenario scenario, HostSetupOptions options, FileInfo? json, FileInfo? perfetto,
        FileInfo? report, FileInfo? trace, TextWriter output, TextWriter error)
    {
        try
        {
            return Execute(scenario, options, json, perfetto, report, trace, output, error);
        }
        catch (IOException ex)
        {
            error.WriteLine($"hwemu: {ex.Message}");
            return Program.ExitRunFailed;
        }
    }

    private static int Execute(Scenario scenario, HostSetupOptions options, FileInfo? json, FileInfo? perfetto, FileInfo? report,
        FileInfo? trace, TextWriter output, TextWriter error)
    {
        // Fail on an unwritable output before spending the run.
        if (json is not null) Create(json, "--json").Dispose();
        if (report is not null) Create(report, "--report").Dispose();
        FileStream? perfettoStream = perfetto is null ? null : Create(perfetto, "--perfetto");
        PerfettoRunObserver? perfettoObserver = perfettoStream is null ? null : new PerfettoRunObserver(perfettoStream, scenario.Platform.Smmu.ClockHz);
        FileStream? traceStream = trace is null ? null : Create(trace, "--trace");
        RunTraceRecorder? recorder = traceStream is null ? null : RunTraceRecorder.Create(traceStream, scenario, Version);
        try
        {
            ScenarioMachine machine;
            try
            {
                machine = MachineBuilder.Build(scenario, options, CompositeRunObserver.Of(recorder, perfettoObserver));
            }
            catch (HostSetupException ex)
            {
                error.WriteLine($"hwemu: {scenario.Name}: host set-up failed: {ex.Message}");
                return Program.ExitRunFailed;
            }
            ulong end = scenario.Run.DurationPs;
            var progress = new ProgressReporter(error, end);
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            RunResults results = machine.Run(() => progress.Tick(machine.Simulator));
            wall.Stop();
            // CPU time too: on a shared machine the wall rate says more about the neighbours than about the model.
            double cpu = Math.Max((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds, 1e-9);
            progress.Done(machine.Simulator);

            SummaryWriter.Write(results, output);
            var inv = CultureInfo.InvariantCulture;
            double secs = Math.Max(wall.Elapsed.TotalSeconds, 1e-9);
            var stats = machine.Simulator.Statistics;
            output.WriteLine();
            output.WriteLine($"wall {wall.Elapsed.TotalSeconds.ToString("0.000", inv)} s: {machine.Transactions.ToString(inv)} DMA transactions " +
                             $"({(machine.Transactions / secs / 1e6).ToString("0.00", inv)} M/s), {stats.EventsExecuted.ToString(inv)} events " +
                             $"({(stats.EventsExecuted / secs / 1e6).ToString("0.00", inv)} M/s), simulated/wall {(results.SimulatedSeconds / secs).ToString("0.0000", inv)}");
            output.WriteLine($"cpu  {cpu.ToString("0.000", inv)} s: {(machine.Transactions / cpu / 1e6).ToString("0.00", inv)} M DMA transactions per CPU second, " +
                             $"simulated/CPU {(results.SimulatedSeconds / cpu).ToString("0.0000", inv)}");
            if (recorder is not null)
            {
                recorder.Complete();
                output.WriteLine($"trace {trace!.FullName}: {recorder.Records.ToString(inv)} records");
            }
            if (json is not null) Write(json, "--json", path => ResultsJsonWriter.WriteFile(results, path));
            if (report is not null) Write(report, "--report", path => HtmlReport.WriteFile(results, path));
            return Program.ExitOk;
        }
        finally
        {
            perfettoObserver?.Dispose();
            perfettoStream?.Dispose();
            recorder?.Dispose();
            traceStream?.Dispose();
        }
    }

    private static string Version => typeof(RunCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static FileStream Create(FileInfo file, string option)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{option}: cannot write '{file.FullName}': {ex.Message}", ex);
        }
    }

    private static void Write(FileInfo file, string option, Action<string> write)
    {
        try
        {
            write(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{option}: cannot write '{file.FullName}': {ex.Message}", ex);
        }
    }
}
