using System.Diagnostics;
using System.Globalization;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Cli;

/// <summary>
/// Progress of a run on standard error: a redrawn bar on a terminal, a plain line every few seconds otherwise
/// (logs stay readable). Checked between events; costs one counter decrement per event.
/// </summary>
public sealed class ProgressReporter(TextWriter writer, ulong endPs)
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly bool _terminal = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;
    private double _lastReport;
    private int _countdown = 65536;
    private bool _drawn;

    /// <summary>Called between events; returns true (keep running).</summary>
    public bool Tick(Simulator sim)
    {
        if (--_countdown > 0) return true;
        _countdown = 65536;
        double t = _wall.Elapsed.TotalSeconds;
        double interval = _terminal ? 0.25 : 5.0;
        if (t - _lastReport < interval) return true;
        _lastReport = t;
        double fraction = endPs == 0 ? 1 : Math.Min(1.0, sim.Now / (double)endPs);
        double rate = sim.Statistics.EventsExecuted / Math.Max(t, 1e-9);
        var inv = CultureInfo.InvariantCulture;
        string text = $"{SimDuration.Format(sim.Now)} / {SimDuration.Format(endPs)} simulated, {(rate / 1e6).ToString("0.00", inv)} M events/s";
        if (_terminal)
        {
            int filled = (int)(fraction * 30);
            writer.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {(fraction * 100).ToString("0", inv),3}% {text}   ");
            _drawn = true;
        }
        else writer.WriteLine($"progress {(fraction * 100).ToString("0", inv)}% {text}");
        return true;
    }

    /// <summary>Ends the bar.</summary>
    public void Done()
    {
        if (_drawn) writer.WriteLine();
    }
}
