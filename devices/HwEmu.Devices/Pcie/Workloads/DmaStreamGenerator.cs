using HwEmu.Emulator.Kernel;

namespace HwEmu.Devices.Pcie;

/// <summary>
/// Deterministic generator of a device's DMA stream: address (sequential, uniform random or Zipf over
/// transfer-aligned slots of the working set), direction (read/write mix) and issue time (open loop at a fixed rate,
/// or closed loop: issue whenever fewer than QueueDepth transfers are outstanding). Random draws happen in a fixed
/// order per transfer (slot, then direction), so a (seed, component name) pair always gives the same stream.
/// No allocation per transfer.
/// </summary>
public sealed class DmaStreamGenerator
{
    private readonly DmaStreamConfig _c;
    private readonly DeterministicRandom _random;
    private readonly ulong _slots;
    private readonly ulong _startPs;
    // Zipf (Gray et al., "Quickly generating billion-record synthetic databases", SIGMOD 1994).
    private readonly double _zipfAlpha, _zipfZetaN, _zipfEta, _zipfHalfPowTheta;
    private ulong _nextSlot;

    /// <summary>Creates the generator; <paramref name="startPs"/> is the time of the first open-loop issue.</summary>
    public DmaStreamGenerator(DmaStreamConfig config, DeterministicRandom random, ulong startPs = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(random);
        config.Validate();
        _c = config;
        _random = random;
        _slots = config.WorkingSet / config.TransferSize;
        _startPs = startPs;
        if (config.Pattern == DmaPattern.Zipf && config.ZipfTheta > 0)
        {
            double theta = config.ZipfTheta;
            double zeta2 = Zeta(2, theta);
            _zipfZetaN = Zeta(_slots, theta);
            _zipfAlpha = 1.0 / (1.0 - theta);
            _zipfEta = (1 - Math.Pow(2.0 / _slots, 1 - theta)) / (1 - zeta2 / _zipfZetaN);
            _zipfHalfPowTheta = 1 + Math.Pow(0.5, theta);
        }
    }

    /// <summary>Parameters.</summary>
    public DmaStreamConfig Config => _c;

    /// <summary>Transfers issued so far.</summary>
    public ulong Issued { get; private set; }

    /// <summary>Transfers issued and not yet completed (closed loop).</summary>
    public int Outstanding { get; private set; }

    /// <summary>Number of transfer-aligned slots in the working set.</summary>
    public ulong Slots => _slots;

    /// <summary>Whether the stream is open loop (fixed rate).</summary>
    public bool OpenLoop => _c.RatePerSecond > 0;

    /// <summary>Closed loop: a transfer may be issued now. Open loop: always true.</summary>
    public bool CanIssue => OpenLoop || Outstanding < _c.QueueDepth;

    /// <summary>
    /// Time of the next issue: open loop, start + floor(k * 10^12 / rate) for the k-th transfer (no drift);
    /// closed loop, <paramref name="nowPs"/>.
    /// </summary>
    public ulong NextIssueTime(ulong nowPs) => OpenLoop ? _startPs + (ulong)Math.Floor(Issued * (1e12 / _c.RatePerSecond)) : nowPs;

    /// <summary>
    /// Produces the next transfer. Closed loop: returns false when <see cref="Outstanding"/> is at the queue depth.
    /// </summary>
    public bool TryNext(ulong nowPs, out DmaRequest request)
    {
        if (!CanIssue)
        {
            request = default;
            return false;
        }
        ulong slot = NextSlot();
        bool write = _c.ReadFraction < 1.0 && (_c.ReadFraction <= 0.0 || _random.NextDouble() >= _c.ReadFraction);
        ulong issue = NextIssueTime(nowPs);
        request = new DmaRequest(Issued, _c.BaseAddress + slot * _c.TransferSize, (int)_c.TransferSize, write, issue);
        Issued++;
        Outstanding++;
        return true;
    }

    /// <summary>A transfer completed (frees a closed-loop slot).</summary>
    public void Complete()
    {
        if (Outstanding > 0) Outstanding--;
    }

    private ulong NextSlot()
    {
        switch (_c.Pattern)
        {
            case DmaPattern.Sequential:
                ulong s = _nextSlot;
                _nextSlot = s + 1 == _slots ? 0 : s + 1;
                return s;
            case DmaPattern.Zipf when _c.ZipfTheta > 0:
                double u = _random.NextDouble();
                double uz = u * _zipfZetaN;
                if (uz < 1) return 0;
                if (uz < _zipfHalfPowTheta) return _slots > 1 ? 1UL : 0;
                ulong r = (ulong)(_slots * Math.Pow(_zipfEta * u - _zipfEta + 1, _zipfAlpha));
                return r >= _slots ? _slots - 1 : r;
            default:
                return _random.Next(_slots);
        }
    }

    /// <summary>Generalised harmonic number H(n, theta): exact sum up to 2^20 terms, then the Euler-Maclaurin tail.</summary>
    public static double Zeta(ulong n, double theta)
    {
        const ulong exact = 1 << 20;
        double sum = 0;
        ulong m = Math.Min(n, exact);
        for (ulong i = 1; i <= m; i++) sum += 1.0 / Math.Pow(i, theta);
        if (n > m)
        {
            // sum_{i=m+1}^{n} i^-theta ~ integral_{m}^{n} x^-theta dx + (n^-theta - m^-theta)/2
            double a = m, b = n;
            sum += (Math.Pow(b, 1 - theta) - Math.Pow(a, 1 - theta)) / (1 - theta) + (Math.Pow(b, -theta) - Math.Pow(a, -theta)) / 2;
        }
        return sum;
    }
}
