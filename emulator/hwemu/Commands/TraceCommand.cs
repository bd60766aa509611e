using System.CommandLine;
using HwEmu.Traces.Format;

namespace HwEmu.Cli.Commands;

/// <summary><c>hwemu trace info|dump</c>: inspect a HwEmu trace file.</summary>
public static class TraceCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create(TextWriter output)
    {
        var trace = new Command("trace", "Inspect a HwEmu trace file (MessagePack records in CRC32C-checked blocks).");

        var infoFile = new Argument<FileInfo>("TRACE") { Description = "Trace file" };
        var info = new Command("info", "Print the header, the count of each record type and the time span.") { infoFile };
        info.SetAction(parse => Guard(parse.GetValue(infoFile)!, f =>
        {
            TraceInfo.Read(f.FullName).WriteTo(output);
            return Program.ExitOk;
        }));
        trace.Subcommands.Add(info);

        var dumpFile = new Argument<FileInfo>("TRACE") { Description = "Trace file" };
        var from = new Option<long>("--from") { Description = "Index of the first record to print", DefaultValueFactory = _ => 0 };
        var count = new Option<long>("--count") { Description = "Number of records to print (default all)", DefaultValueFactory = _ => long.MaxValue };
        var jsonl = new Option<bool>("--jsonl") { Description = "One JSON object per line (the only format for now)" };
        var dump = new Command("dump", "Print records as JSON lines.") { dumpFile, from, count, jsonl };
        dump.SetAction(parse => Guard(parse.GetValue(dumpFile)!, f =>
        {
            long first = parse.GetValue(from), n = parse.GetValue(count);
            if (first < 0) throw new BadInputException($"--from: {first} is negative");
            if (n < 0) throw new BadInputException($"--count: {n} is negative");
            using var reader = TraceReader.Open(f.FullName);
            TraceJsonDumper.Write(reader, output, first, n);
            return Program.ExitOk;
        }));
        trace.Subcommands.Add(dump);
        return trace;
    }

    private static int Guard(FileInfo file, Func<FileInfo, int> body)
    {
        if (!file.Exists) throw new BadInputException($"{file.FullName}: no such file");
        try { return body(file); }
        catch (TraceFormatException ex) { throw new BadInputException($"{file.FullName}: {ex.Message}", ex); }
        catch (IOException ex) { throw new BadInputException($"{file.FullName}: {ex.Message}", ex); }
    }
}
