using System.CommandLine;
using HwEmu.Cli.Commands;

namespace HwEmu.Cli;

/// <summary>
/// The <c>hwemu</c> command. Exit codes: 0 success, 1 the run failed, 2 bad usage or bad input (the message names
/// the file, the place and what was expected).
/// </summary>
public static class Program
{
    /// <summary>Exit code of a successful command.</summary>
    public const int ExitOk = 0;
    /// <summary>Exit code when the run itself failed (an emulator error, a failed verification).</summary>
    public const int ExitRunFailed = 1;
    /// <summary>Exit code for bad usage or bad input.</summary>
    public const int ExitBadInput = 2;

    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line with the given output writers (used by tests).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = BuildRootCommand(output, error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) error.WriteLine($"hwemu: {e.Message}");
            error.WriteLine("Try 'hwemu --help'.");
            return ExitBadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (BadInputException ex)
        {
            error.WriteLine($"hwemu: {ex.Message}");
            return ExitBadInput;
        }
    }

    /// <summary>Builds the command tree.</summary>
    public static RootCommand BuildRootCommand(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "HwEmu: a cycle-level emulator of the ARM PCIe-passthrough I/O path (PCIe endpoints, SMMUv3, GICv3 ITS and\n" +
            "GICv2m, and the way Linux programs them). Run scenarios, replay DMA/MSI traces, measure translation\n" +
            "throughput and run fault-injection campaigns.\n\n" +
            "Exit codes: 0 success, 1 the run failed, 2 bad usage or bad input.");
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(BenchCommand.Create(output));
        root.Subcommands.Add(HostCommand.Create(output));
        root.Subcommands.Add(TraceCommand.Create(output));
        root.Subcommands.Add(ReplayCommand.Create(output));
        root.Subcommands.Add(ImportCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output));
        root.Subcommands.Add(InjectCommand.Create(output, error));
        return root;
    }
}
