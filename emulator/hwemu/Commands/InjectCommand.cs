using System.CommandLine;
using System.Globalization;
using HwEmu.Campaigns;

namespace HwEmu.Cli.Commands;

/// <summary>
/// <c>hwemu inject CAMPAIGN</c>: a fault-injection campaign (docs/fault-injection.md); <c>hwemu inject merge</c>
/// combines shard results; <c>hwemu inject models</c> lists the fault models.
/// </summary>
public static class InjectCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var campaign = new Argument<FileInfo>("CAMPAIGN") { Description = "Campaign file (JSON)" };
        var workers = new Option<int>("--workers") { Description = "Parallel runs (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var shard = new Option<string>("--shard") { Description = "Run only slice K of N (K/N, 1-based): runs i with i mod N = K-1" };
        var json = new Option<FileInfo>("--json") { Description = "Write the report as JSON" };
        var html = new Option<FileInfo>("--report") { Description = "Write a self-contained HTML report with charts" };
        var results = new Option<FileInfo>("--results") { Description = "Write per-run results (input of 'hwemu inject merge')" };
        var quiet = new Option<bool>("--no-progress") { Description = "No progress output" };
        var inject = new Command("inject",
            "Run a fault-injection campaign: a golden run, then each faulty run compared with it and classified\n" +
            "(masked, detected, sdc, irq-lost, irq-spurious, irq-misrouted, hang, emulator-error).\n" +
            "Exit codes: 0 done, 1 an emulator error occurred in some run, 2 bad input.")
        { campaign, workers, shard, json, html, results, quiet };
        inject.SetAction(parse =>
        {
            var file = parse.GetValue(campaign)!;
            if (!file.Exists) throw new BadInputException($"{file.FullName}: no such file");
            int w = parse.GetValue(workers);
            if (w < 1) throw new BadInputException($"--workers: {w} is not a positive count");
            var sh = Shard.All;
            if (parse.GetValue(shard) is { } s && !Shard.TryParse(s, out sh))
                throw new BadInputException($"--shard: expected K/N with 1 <= K <= N, found \"{s}\"");
            Campaign c;
            CampaignRunner runner;
            try
            {
                c = CampaignLoader.Load(file.FullName);
                runner = new CampaignRunner(c);
            }
            catch (CampaignException ex) { throw new BadInputException(ex.Message, ex); }
            int total = sh.Runs(c.TotalRuns).Count();
            var progress = new CampaignProgress(error, total, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
            var records = runner.Run(w, sh, parse.GetValue(quiet) ? null : progress.Report);
            progress.Done();
            double secs = progress.Elapsed.TotalSeconds;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{total} runs in {secs:0.00} s: {total / Math.Max(secs, 1e-9):0.0} runs/s with {w} worker{(w == 1 ? "" : "s")}"));
            var res = CampaignResults.From(c, sh, records);
            if (parse.GetValue(results) is { } rf) ResultsFile.WriteFile(res, rf.FullName);
            return Report(res, output, parse.GetValue(json), parse.GetValue(html), partial: sh.Count > 1);
        });

        var files = new Argument<FileInfo[]>("RESULTS") { Description = "Results files of every shard", Arity = ArgumentArity.OneOrMore };
        var mjson = new Option<FileInfo>("--json") { Description = "Write the merged report as JSON" };
        var mhtml = new Option<FileInfo>("--report") { Description = "Write the merged HTML report" };
        var mresults = new Option<FileInfo>("--results") { Description = "Write the merged per-run results" };
        var merge = new Command("merge", "Combine the results files of all shards into the report an unsharded run gives.") { files, mjson, mhtml, mresults };
        merge.SetAction(parse =>
        {
            var parts = new List<(string, CampaignResults)>();
            try
            {
                foreach (var f in parse.GetValue(files)!)
                {
                    if (!f.Exists) throw new BadInputException($"{f.FullName}: no such file");
                    parts.Add((f.FullName, ResultsFile.Read(f.FullName)));
                }
                var merged = CampaignResults.Merge(parts);
                if (parse.GetValue(mresults) is { } rf) ResultsFile.WriteFile(merged, rf.FullName);
                return Report(merged, output, parse.GetValue(mjson), parse.GetValue(mhtml), partial: false);
            }
            catch (CampaignException ex) { throw new BadInputException(ex.Message, ex); }
        });
        inject.Subcommands.Add(merge);

        var models = new Command("models", "List the fault models and their parameters.");
        models.SetAction(_ =>
        {
            foreach (var m in Enum.GetValues<FaultModel>())
                output.WriteLine($"{FaultModels.Name(m),-20} {FaultModels.Summary(m)}; parameters: {string.Join(", ", FaultModels.Parameters(m))}");
            return Program.ExitOk;
        });
        inject.Subcommands.Add(models);
        return inject;
    }

    private static int Report(CampaignResults results, TextWriter output, FileInfo? json, FileInfo? html, bool partial)
    {
        var report = CampaignReport.Build(results);
        if (partial) output.WriteLine($"shard {results.Shard}: partial report; merge the results files of all shards for the campaign report");
        ReportTextWriter.Write(report, output);
        if (json != null) ReportJsonWriter.WriteFile(report, json.FullName);
        if (html != null) ReportHtmlWriter.WriteFile(report, html.FullName);
        return results.Records.Any(r => r.Outcome == Outcome.EmulatorError) ? Program.ExitRunFailed : Program.ExitOk;
    }
}
