using HwEmu.Devices.Platform.Reporting;
using HwEmu.Devices.Smmu;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// Writes a run as Chrome/Perfetto trace events: each DMA transaction an async slice on its requester's track
/// (pid 1, id = transaction id), SMMU walks as async slices (pid 2, id = transaction id), SMMU and ITS
/// commands as instants (pid 2 / pid 3), interrupts as instants per CPU (pid 4), P2P bypasses as instants, and
/// counters for the TLB hit rate and transactions in flight every <see cref="CounterIntervalPs"/>. Only the first
/// <see cref="MaxTransactions"/> transactions are written so a long run gives a file a browser can open.
/// </summary>
public sealed class PerfettoRunObserver : IRunObserver, IDisposable
{
    private readonly PerfettoWriter _w;
    private readonly Dictionary<ushort, bool> _named = [];
    private long _written, _hits, _lookups, _inFlight;
    private ulong _nextCounter;
    private readonly ulong _smmuClockHz;

    /// <summary>Creates the observer writing to <paramref name="output"/>.</summary>
    public PerfettoRunObserver(Stream output, ulong smmuClockHz = 1_000_000_000, long maxTransactions = 200_000, ulong counterIntervalPs = 1_000_000)
    {
        _smmuClockHz = Math.Max(1, smmuClockHz);
        _w = new PerfettoWriter(output);
        MaxTransactions = maxTransactions;
        CounterIntervalPs = counterIntervalPs;
        _w.ProcessName(1, "endpoints (DMA)");
        _w.ProcessName(2, "SMMUv3");
        _w.ProcessName(3, "MSI controller");
        _w.ProcessName(4, "CPUs (interrupts)");
    }

    /// <summary>Transactions written at most.</summary>
    public long MaxTransactions { get; }
    /// <summary>Interval of the counter samples.</summary>
    public ulong CounterIntervalPs { get; }

    private bool Open => _written < MaxTransactions;

    /// <inheritdoc/>
    public void OnHostMemoryWrite(ulong timePs, ulong address, ReadOnlySpan<byte> data, HostStructure structure) { }

    /// <inheritdoc/>
    public void OnRegisterWrite(ulong timePs, ushort component, ulong address, int size, ulong value) { }

    /// <inheritdoc/>
    public void OnSmmuCommand(ulong timePs, uint consumerIndex, ulong dword0, ulong dword1, byte error)
    {
        if (Open) _w.Instant(2, 0, "cmdq", "CMD 0x" + ((byte)dword0).ToString("x2", System.Globalization.CultureInfo.InvariantCulture), timePs, "word0", dword0);
    }

    /// <inheritdoc/>
    public void OnItsCommand(ulong timePs, uint queueOffset, ulong dword0, ulong dword1, ulong dword2, ulong dword3, uint error)
    {
        if (Open) _w.Instant(3, 0, "its-cmd", "ITS 0x" + ((byte)dword0).ToString("x2", System.Globalization.CultureInfo.InvariantCulture), timePs, "deviceId", dword0 >> 32);
    }

    /// <inheritdoc/>
    public void OnDmaIssued(in RunDma dma)
    {
        _inFlight++;
        if (!Open) return;
        _written++;
        if (_named.TryAdd(dma.RequesterId, true))
            _w.ThreadName(1, dma.RequesterId, PciName(dma.RequesterId));
        _w.AsyncBegin(1, "dma", dma.Write ? "write" : "read", dma.TransactionId, dma.TimePs, "address", dma.Address);
        Counters(dma.TimePs);
    }

    /// <inheritdoc/>
    public void OnDmaCompleted(ulong timePs, ulong transactionId, bool error)
    {
        _inFlight--;
        if (transactionId < (ulong)MaxTransactions) _w.AsyncEnd(1, "dma", "dma", transactionId, timePs);
    }

    /// <inheritdoc/>
    public void OnTranslation(ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result)
    {
        if (result.Source is TranslationSource.Tlb) _hits++;
        if (result.Source is TranslationSource.Tlb or TranslationSource.WalkCache or TranslationSource.FullWalk) _lookups++;
        if (!Open) return;
        if (result.Source is TranslationSource.WalkCache or TranslationSource.FullWalk)
        {
            ulong dur = (ulong)((UInt128)result.LatencyCycles * 1_000_000_000_000UL / _smmuClockHz);
            ulong start = timePs > dur ? timePs - dur : 0;
            // Walks of one stream overlap (concurrent walkers), so they are async slices keyed by the transaction.
            string name = result.Source == TranslationSource.FullWalk ? "full walk" : "walk (walk cache)";
            _w.AsyncBegin(2, "walk", name, transactionId, start, "iova", transaction.Address);
            _w.AsyncEnd(2, "walk", name, transactionId, timePs);
        }
        else if (!result.Succeeded)
            _w.Instant(2, (int)transaction.StreamId, "fault", "fault 0x" + ((byte)result.Event.Type).ToString("x2", System.Globalization.CultureInfo.InvariantCulture), timePs, "iova", transaction.Address);
    }

    /// <inheritdoc/>
    public void OnMsiWrite(ulong timePs, ushort requesterId, uint deviceId, ulong doorbellAddress, uint data)
    {
        if (Open) _w.Instant(3, 0, "msi", "MSI write", timePs, "data", data);
    }

    /// <inheritdoc/>
    public void OnInterruptDelivered(ulong timePs, uint intId, int cpu, RunInterruptSource source, uint deviceId, uint eventId)
    {
        if (Open) _w.Instant(4, cpu, "irq", "INTID " + intId.ToString(System.Globalization.CultureInfo.InvariantCulture), timePs, "intid", intId);
    }

    /// <inheritdoc/>
    public void OnPeerToPeer(ulong timePs, ulong transactionId, ushort requesterId, ulong address, int peerEndpoint)
    {
        if (Open) _w.Instant(1, requesterId, "p2p", "P2P bypass", timePs, "address", address);
    }

    private void Counters(ulong timePs)
    {
        if (timePs < _nextCounter) return;
        _nextCounter = timePs + CounterIntervalPs;
        _w.Counter(2, "TLB hit rate", timePs, "hit %", _lookups == 0 ? 0 : 100.0 * _hits / _lookups);
        _w.Counter(1, "DMA in flight", timePs, "transactions", _inFlight);
    }

    private static string PciName(ushort rid) => $"{rid >> 8:x2}:{(rid >> 3) & 0x1f:x2}.{rid & 7}";

    /// <summary>Closes the JSON.</summary>
    public void Dispose() => _w.Dispose();
}
