using System.Diagnostics;
using System.Globalization;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Cli;

/// <summary>
/// Progress of a run on standard error: a redrawn bar on a terminal, a plain line every few seconds otherwise
/// (logs stay readable). Called between slices of a run.
/// </summary>
public sealed class ProgressReporter(TextWriter writer, ulong endPs)
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly bool _terminal = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;
    private double _lastReport;
    private bool _drawn;

    /// <summary>Called between slices of the run; redraws at most every 0.25 s (terminal) or 5 s (log).</summary>
    public void Tick(Simulator sim)
    {
        double t = _wall.Elapsed.TotalSeconds;
        double interval = _terminal ? 0.25 : 5.0;
        if (t - _lastReport < interval) return;
        Report(sim, t);
    }

    private void Report(Simulator sim, double t)
    {
        _lastReport = t;
        double fraction = endPs == 0 ? 1 : Math.Min(1.0, sim.Now / (double)endPs);
        ulong shownEnd = endPs == 0 ? sim.Now : endPs;
        double rate = sim.Statistics.EventsExecuted / Math.Max(t, 1e-9);
        var inv = CultureInfo.InvariantCulture;
        string text = $"{SimDuration.Format(sim.Now)} / {SimDuration.Format(shownEnd)} simulated, {(rate / 1e6).ToString("0.00", inv)} M events/s";
        if (_terminal)
        {
            int filled = (int)(fraction * 30);
            writer.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {(fraction * 100).ToString("0", inv),3}% {text}   ");
            _drawn = true;
        }
        else writer.WriteLine($"progress {(fraction * 100).ToString("0", inv)}% {text}");
    }

    /// <summary>Ends the bar (a terminal) or writes the final progress line (a log).</summary>
    public void Done(Simulator? sim = null)
    {
        if (sim is not null) Report(sim, _wall.Elapsed.TotalSeconds);
        if (_drawn) writer.WriteLine();
    }
}
