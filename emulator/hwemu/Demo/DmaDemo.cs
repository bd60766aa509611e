using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Kernel;
using HwEmu.Emulator.Memory;

namespace HwEmu.Cli.Demo;

/// <summary>
/// The built-in demo that <c>hwemu run</c> executes until the scenario layer lands: a PCIe DMA engine behind a
/// Gen4 x4 link keeps a fixed number of 4 KiB reads and writes in flight to random pages of a DRAM window, through
/// the event queue, the link timing model, the system bus and the memory timing model. Every read checks the data the
/// engine wrote earlier, so the run fails (exit 1) if memory ever returns something else.
/// </summary>
public sealed class DmaDemo : IEventHandler
{
    /// <summary>Base of the DRAM window.</summary>
    public const ulong RamBase = 0x4000_0000;
    private const int TransferBytes = 4096;

    private readonly Simulator _sim;
    private readonly SystemBus _bus;
    private readonly PcieLink _link;
    private readonly MemoryTimingModel _dram;
    private readonly DeterministicRandom _rng;
    private readonly ulong _pages;
    private readonly byte[] _buffer = new byte[TransferBytes];
    private readonly uint[] _writtenTag;   // per page: tag of the last write, 0 = never written
    private readonly ulong[] _slotAddress;
    private readonly bool[] _slotIsRead;
    private readonly ulong[] _slotIssued;
    private readonly int[] _slotTag;

    /// <summary>Creates the demo machine.</summary>
    public DmaDemo(ulong seed, int outstanding = 16, ulong ramBytes = 16UL << 20, PcieLinkConfig? link = null)
    {
        _sim = new Simulator(seed);
        var memory = new PhysicalMemory();
        _bus = new SystemBus(memory);
        _bus.AddRam(RamBase, ramBytes, "dram");
        _link = new PcieLink(link ?? new PcieLinkConfig());
        _dram = new MemoryTimingModel(new MemoryTiming());
        _rng = _sim.CreateRandom("dma0");
        _pages = ramBytes / TransferBytes;
        _writtenTag = new uint[_pages];
        _slotAddress = new ulong[outstanding];
        _slotIsRead = new bool[outstanding];
        _slotIssued = new ulong[outstanding];
        _slotTag = new int[outstanding];
        Outstanding = outstanding;
    }

    /// <summary>Transfers kept in flight.</summary>
    public int Outstanding { get; }

    /// <summary>The simulator (for statistics).</summary>
    public Simulator Simulator => _sim;

    /// <summary>The link (for byte counters).</summary>
    public PcieLink Link => _link;

    /// <summary>Completed reads.</summary>
    public long Reads { get; private set; }

    /// <summary>Completed writes.</summary>
    public long Writes { get; private set; }

    /// <summary>Reads whose data did not match what was written.</summary>
    public long DataMismatches { get; private set; }

    /// <summary>Sum of transfer latencies in picoseconds.</summary>
    public ulong TotalLatencyPs { get; private set; }

    /// <summary>Largest transfer latency in picoseconds.</summary>
    public ulong MaxLatencyPs { get; private set; }

    /// <summary>
    /// Runs the demo for exactly <paramref name="durationPs"/> of simulated time, in slices so that
    /// <paramref name="onSlice"/> (progress reporting) runs between them; no event after the end is executed.
    /// </summary>
    public void Run(ulong durationPs, Action? onSlice = null)
    {
        for (int slot = 0; slot < Outstanding; slot++) Issue(slot);
        ulong slice = Math.Max(1, durationPs / 256);
        while (_sim.Now < durationPs)
        {
            _sim.RunUntil(Math.Min(durationPs, _sim.Now + slice));
            onSlice?.Invoke();
        }
    }

    private void Issue(int slot)
    {
        ulong now = _sim.Now;
        ulong page = _rng.Next(_pages);
        ulong address = RamBase + page * TransferBytes;
        bool read = _rng.Next(2) == 0;
        _slotAddress[slot] = address;
        _slotIsRead[slot] = read;
        _slotIssued[slot] = now;
        ulong done;
        if (read)
        {
            ulong atRc = _link.ReadRequest(now, address, TransferBytes, out int tag);
            _slotTag[slot] = tag;
            ulong dataReady = _dram.Access(atRc, TransferBytes);
            done = _link.CompleteRead(dataReady, address, TransferBytes, tag);
        }
        else
        {
            ulong atRc = _link.PostedWrite(now, address, TransferBytes);
            done = _dram.Access(atRc, TransferBytes);
        }
        _sim.ScheduleAt(done, this, (ulong)slot);
    }

    /// <inheritdoc/>
    public void OnEvent(ulong payload)
    {
        int slot = (int)payload;
        ulong address = _slotAddress[slot];
        ulong page = (address - RamBase) / TransferBytes;
        if (_slotIsRead[slot])
        {
            _bus.Read(address, _buffer);
            uint tag = _writtenTag[page];
            for (int i = 0; i < TransferBytes; i += 512)
            {
                uint expected = tag == 0 ? 0 : tag + (uint)i; // a page never written reads as zero
                if (BitConverter.ToUInt32(_buffer, i) != expected) { DataMismatches++; break; }
            }
            Reads++;
        }
        else
        {
            uint tag = (uint)(Writes * 8192) + 1; // never 0, which marks a page never written
            for (int i = 0; i < TransferBytes; i += 512) BitConverter.TryWriteBytes(_buffer.AsSpan(i), tag + (uint)i);
            _bus.Write(address, _buffer);
            _writtenTag[page] = tag;
            Writes++;
        }
        ulong latency = _sim.Now - _slotIssued[slot];
        TotalLatencyPs += latency;
        if (latency > MaxLatencyPs) MaxLatencyPs = latency;
        Issue(slot);
    }
}
