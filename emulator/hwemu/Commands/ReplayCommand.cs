using System.CommandLine;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Traces.Format;
using HwEmu.Traces.Replay;

namespace HwEmu.Cli.Commands;

/// <summary><c>hwemu replay TRACE [--verify] [--json FILE] [--platform FILE]</c>.</summary>
public static class ReplayCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter output)
    {
        var file = new Argument<FileInfo>("TRACE") { Description = "HwEmu trace (from `hwemu run --trace` or `hwemu import`)" };
        var verify = new Option<bool>("--verify") { Description = "Compare every recomputed translation and MSI with the recording; exit 1 on a mismatch" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the verification counts and the recomputed SMMU figures as JSON" };
        var platform = new Option<FileInfo?>("--platform") { Description = "Scenario file whose platform section overrides the SMMU caches and timing" };
        var cmd = new Command("replay",
            "Re-execute a trace's stimulus (setup writes, commands, DMA and MSI writes at their times) through the\n" +
            "models on the recorded platform, recompute the summary and, with --verify, list the first 20 mismatches.")
        {
            file, verify, json, platform,
        };
        cmd.SetAction(parse =>
        {
            FileInfo f = parse.GetValue(file)!;
            FileInfo? p = parse.GetValue(platform);
            if (!f.Exists) throw new BadInputException($"{f.FullName}: no such file");
            PlatformSpec? overrides = null;
            if (p is not null)
            {
                if (!p.Exists) throw new BadInputException($"{p.FullName}: no such file");
                try { overrides = ScenarioLoader.Load(p.FullName).Platform; }
                catch (ScenarioException ex) { throw new BadInputException(ex.Message, ex); }
            }
            ReplayScript script;
            ReplayResult result;
            try
            {
                script = ReplayScript.Load(f.FullName);
                var machine = ReplayMachine.Build(script.Header, overrides);
                result = ReplayEngine.Run(script, machine, machine.Name);
            }
            catch (TraceFormatException ex) { throw new BadInputException($"{f.FullName}: {ex.Message}", ex); }
            catch (ReplayException ex) { throw new BadInputException($"{f.FullName}: {ex.Message}", ex); }
            catch (IOException ex) { throw new BadInputException($"{f.FullName}: {ex.Message}", ex); }

            result.WriteVerification(output);
            output.WriteLine();
            SummaryWriter.Write(result.Results, output);
            if (parse.GetValue(json) is { } j)
            {
                try
                {
                    using var s = new FileStream(j.FullName, FileMode.Create, FileAccess.Write);
                    result.WriteJson(s);
                }
                catch (IOException ex) { throw new BadInputException($"{j.FullName}: {ex.Message}", ex); }
            }
            return parse.GetValue(verify) && result.MismatchCount > 0 ? Program.ExitRunFailed : Program.ExitOk;
        });
        return cmd;
    }
}
