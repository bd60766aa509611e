using System.Diagnostics;
using System.Globalization;

namespace HwEmu.Campaigns;

/// <summary>
/// Campaign progress with an ETA: a redrawn bar on a terminal, a plain line every 10% otherwise (logs, CI, job
/// arrays). Safe to call from several workers.
/// </summary>
public sealed class CampaignProgress(TextWriter writer, int total, bool terminal)
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private double _lastDraw = -1;
    private int _lastDecile = -1;
    private bool _drawn;

    /// <summary>Elapsed wall time.</summary>
    public TimeSpan Elapsed => _wall.Elapsed;

    /// <summary>Reports <paramref name="done"/> runs finished.</summary>
    public void Report(int done)
    {
        lock (_lock)
        {
            double t = _wall.Elapsed.TotalSeconds;
            double fraction = total == 0 ? 1 : done / (double)total;
            var ic = CultureInfo.InvariantCulture;
            double rate = done / Math.Max(t, 1e-9);
            double eta = rate > 0 ? (total - done) / rate : 0;
            string text = string.Create(ic, $"{done}/{total} runs, {rate:0.0} runs/s, ETA {Format(eta)}");
            if (terminal)
            {
                if (t - _lastDraw < 0.2 && done != total) return;
                _lastDraw = t;
                int filled = (int)(fraction * 30);
                writer.Write(string.Create(ic, $"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction * 100,3:0}% {text}   "));
                _drawn = true;
            }
            else
            {
                int decile = (int)(fraction * 10);
                if (decile == _lastDecile) return;
                _lastDecile = decile;
                writer.WriteLine(string.Create(ic, $"progress {fraction * 100:0}% {text}"));
            }
        }
    }

    /// <summary>Ends the bar.</summary>
    public void Done()
    {
        if (_drawn) writer.WriteLine();
    }

    private static string Format(double seconds) =>
        seconds >= 3600 ? TimeSpan.FromSeconds(seconds).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : TimeSpan.FromSeconds(seconds).ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
