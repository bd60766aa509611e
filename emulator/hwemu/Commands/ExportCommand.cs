using System.CommandLine;
using HwEmu.Traces.Export;
using HwEmu.Traces.Format;

namespace HwEmu.Cli.Commands;

/// <summary><c>hwemu export perfetto TRACE -o FILE.json</c>: a HwEmu trace as Chrome Trace Event JSON.</summary>
public static class ExportCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create(TextWriter output)
    {
        var export = new Command("export", "Convert a HwEmu trace for other tools.");
        var file = new Argument<FileInfo>("TRACE") { Description = "HwEmu trace" };
        var outFile = new Option<FileInfo>("--output", "-o") { Description = "JSON file to write", Required = true };
        var clock = new Option<ulong>("--smmu-clock") { Description = "SMMU clock in Hz, to turn latency cycles into durations", DefaultValueFactory = _ => 1_000_000_000 };
        var perfetto = new Command("perfetto", "Write Chrome Trace Event JSON that Perfetto (ui.perfetto.dev) and chrome://tracing open.")
        {
            file, outFile, clock,
        };
        perfetto.SetAction(parse =>
        {
            FileInfo f = parse.GetValue(file)!, o = parse.GetValue(outFile)!;
            ulong hz = parse.GetValue(clock);
            if (hz == 0) throw new BadInputException("--smmu-clock: must be positive");
            if (!f.Exists) throw new BadInputException($"{f.FullName}: no such file");
            long events;
            try
            {
                using var reader = TraceReader.Open(f.FullName);
                using var stream = new FileStream(o.FullName, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                events = PerfettoExporter.Export(reader, stream, hz);
            }
            catch (TraceFormatException ex)
            {
                TryDelete(o);
                throw new BadInputException($"{f.FullName}: {ex.Message}", ex);
            }
            catch (IOException ex)
            {
                TryDelete(o);
                throw new BadInputException(ex.Message, ex);
            }
            output.WriteLine($"wrote {events} events to {o.FullName}");
            return Program.ExitOk;
        });
        export.Subcommands.Add(perfetto);
        return export;
    }

    private static void TryDelete(FileInfo f)
    {
        try { f.Refresh(); if (f.Exists) f.Delete(); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
