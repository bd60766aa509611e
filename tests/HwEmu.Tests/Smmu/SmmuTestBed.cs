using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Tests.Smmu;

/// <summary>
/// Memory + bus + SMMU with a linear stream table, a command queue and an event queue, programmed through the
/// registers as a driver would. RAM covers [0, 2^40); everything above is unmapped (bus errors).
/// </summary>
internal sealed class SmmuTestBed
{
    public const ulong RamSize = 1UL << 40;
    public const ulong StrtabBase = 0x0100_0000;
    public const int StrtabLog2 = 8;
    public const ulong CmdqBase = 0x0200_0000;
    public const int CmdqLog2 = 8;
    public const ulong EvtqBase = 0x0300_0000;
    public const int EvtqLog2 = 4;

    private ulong _next = 0x1000_0000;

    public SmmuTestBed(SmmuConfig? config = null, bool enable = true)
    {
        Memory = new PhysicalMemory();
        Bus = new SystemBus(Memory);
        Bus.AddRam(0, RamSize);
        Smmu = new SmmuV3(Bus, config);
        Reg(SmmuRegister.StrtabBase, StrtabBase);
        Reg(SmmuRegister.StrtabBaseCfg, StrtabLog2);
        Reg(SmmuRegister.CmdqBase, CmdqBase | CmdqLog2);
        Reg(SmmuRegister.EventqBase, EvtqBase | EvtqLog2);
        Reg(SmmuRegister.Cr0, 0b1100); // CMDQEN | EVENTQEN
        if (enable) Reg(SmmuRegister.Cr0, 0b1101);
    }

    public PhysicalMemory Memory { get; }
    public SystemBus Bus { get; }
    public SmmuV3 Smmu { get; }

    /// <summary>Writes a register through the MMIO interface (64-bit or 32-bit by its declared width).</summary>
    public void Reg(SmmuRegister id, ulong value)
    {
        var d = Smmu.Registers.Definitions[(int)id];
        var st = Smmu.Write(d.Offset, d.Width, value, BusAttributes.Cpu);
        if (st != BusStatus.Ok) throw new InvalidOperationException($"write {d.Name} failed: {st}");
    }

    public ulong ReadReg(SmmuRegister id)
    {
        var d = Smmu.Registers.Definitions[(int)id];
        Smmu.Read(d.Offset, d.Width, out ulong v, BusAttributes.Cpu);
        return v;
    }

    /// <summary>Allocates zeroed, <paramref name="align"/>-aligned memory for tables.</summary>
    public ulong Alloc(ulong size, ulong align = 0x1000)
    {
        align = Math.Max(align, size <= 0x10000 ? RoundPow2(size) : 0x10000);
        _next = (_next + align - 1) & ~(align - 1);
        ulong a = _next;
        _next += size;
        Memory.Fill(a, size, 0);
        return a;
    }

    private static ulong RoundPow2(ulong v) { ulong p = 8; while (p < v) p <<= 1; return p; }

    public void WriteSte(uint sid, params ulong[] words) => WriteWords(StrtabBase + sid * 64UL, words, 8);

    public void WriteWords(ulong address, ulong[] words, int count)
    {
        for (int i = 0; i < count; i++) Memory.Write64(address + (ulong)i * 8, i < words.Length ? words[i] : 0);
    }

    /// <summary>Writes a CD at a fresh address and returns it.</summary>
    public ulong NewCd(params ulong[] words)
    {
        ulong a = Alloc(64, 64);
        WriteWords(a, words, 8);
        return a;
    }

    // ---- STE / CD encoders (IHI 0070 §5.2, §5.4)

    public static ulong[] SteAbort() => [1];
    public static ulong[] SteBypass() => [1 | (0b100 << 1)];

    public static ulong[] SteS1(ulong cdPtr, int s1CdMax = 0, int s1Fmt = 0, int s1Dss = 0) =>
        [1UL | (0b101 << 1) | ((ulong)(uint)s1Fmt << 4) | cdPtr | ((ulong)(uint)s1CdMax << 59), (ulong)(uint)s1Dss];

    public static ulong S2Word2(ushort vmid, int t0sz, int sl0, int tg, int ps = 5, bool s2r = true, bool affd = false) =>
        (ulong)vmid | (ulong)(uint)t0sz << 32 | (ulong)(uint)sl0 << 38 | (ulong)(uint)tg << 46 | (ulong)(uint)ps << 48 | 1UL << 51 | (affd ? 1UL << 53 : 0) | (s2r ? 1UL << 58 : 0);

    public static ulong[] SteS2(ushort vmid, int t0sz, int sl0, int tg, ulong ttb, int ps = 5, bool s2r = true, bool affd = false) =>
        [1UL | (0b110 << 1), 0, S2Word2(vmid, t0sz, sl0, tg, ps, s2r, affd), ttb];

    public static ulong[] SteNested(ulong cdIpa, ushort vmid, int t0sz, int sl0, int tg, ulong ttb, int ps = 5) =>
        [1UL | (0b111 << 1) | cdIpa, 0, S2Word2(vmid, t0sz, sl0, tg, ps), ttb];

    /// <summary>CD with TTB0 only (EPD1 = 1). tg0 encoding: 0 4K, 1 64K, 2 16K.</summary>
    public static ulong[] Cd(ushort asid, ulong ttb0, int t0sz, int tg0, int ips = 5, bool r = true, bool a = true, bool affd = false, bool had = false) =>
        [(ulong)(uint)t0sz | (ulong)(uint)tg0 << 6 | 1UL << 30 | 1UL << 31 | (ulong)(uint)ips << 32 | (affd ? 1UL << 35 : 0) | 1UL << 41 |
            (r ? 1UL << 45 : 0) | (a ? 1UL << 46 : 0) | (ulong)asid << 48, ttb0 | (had ? 2UL : 0)];

    public static int Tg0For(int granuleShift) => granuleShift switch { 12 => 0, 16 => 1, _ => 2 };
    public static int S2TgFor(int granuleShift) => granuleShift switch { 12 => 0, 16 => 1, _ => 2 };

    // ---- commands and events

    /// <summary>Writes commands at CMDQ_PROD and publishes them.</summary>
    public void Submit(params CmdqCommand[] commands)
    {
        uint prod = (uint)ReadReg(SmmuRegister.CmdqProd);
        uint entries = 1u << CmdqLog2;
        foreach (var c in commands)
        {
            ulong a = CmdqBase + (prod & (entries - 1)) * 16UL;
            Memory.Write64(a, c.Dword0);
            Memory.Write64(a + 8, c.Dword1);
            prod = (prod + 1) & ((entries << 1) - 1);
        }
        Reg(SmmuRegister.CmdqProd, prod);
    }

    /// <summary>Events written since the last call (reads at EVENTQ_CONS and advances it).</summary>
    public List<byte[]> DrainEvents()
    {
        var list = new List<byte[]>();
        uint entries = 1u << EvtqLog2, wrap = (entries << 1) - 1;
        uint cons = (uint)ReadReg(SmmuRegister.EventqCons);
        uint prod = (uint)ReadReg(SmmuRegister.EventqProd);
        while ((cons & wrap) != (prod & wrap))
        {
            var b = new byte[32];
            Memory.Read(EvtqBase + (cons & (entries - 1)) * 32UL, b);
            list.Add(b);
            cons = (cons & 0x8000_0000u) | ((cons + 1) & wrap);
        }
        Reg(SmmuRegister.EventqCons, cons);
        return list;
    }

    public TranslationResult Translate(uint sid, ulong address, bool write = false, bool privileged = false, bool instruction = false, uint? ssid = null)
    {
        var tx = new SmmuTransaction
        {
            StreamId = sid, Address = address, Size = 4, Write = write, Privileged = privileged, Instruction = instruction,
            SubstreamValid = ssid.HasValue, SubstreamId = ssid ?? 0,
        };
        Smmu.Translate(tx, out var r);
        return r;
    }
}

/// <summary>Writes VMSAv8-64 translation tables into memory (the host-side view of io-pgtable-arm).</summary>
internal sealed class PageTableBuilder
{
    private readonly SmmuTestBed _bed;
    private readonly int _g, _stride, _ia, _startLevel, _startBits;

    public PageTableBuilder(SmmuTestBed bed, int granuleShift, int inputBits, bool stage2 = false, int s2StartLevel = -1)
    {
        _bed = bed;
        _g = granuleShift;
        _stride = granuleShift - 3;
        _ia = inputBits;
        Stage2 = stage2;
        _startLevel = stage2 ? s2StartLevel : PageTableWalker.StartLevel(granuleShift, inputBits);
        _startBits = inputBits - Shift(_startLevel);
        ulong rootBytes = 8UL << _startBits;
        Root = bed.Alloc(Math.Max(rootBytes, 1UL << granuleShift), Math.Max(rootBytes, 64));
    }

    public bool Stage2 { get; }
    public ulong Root { get; }
    public int StartLevel => _startLevel;

    public int Shift(int level) => _g + _stride * (3 - level);

    public int LevelForSize(int sizeLog2)
    {
        for (int l = 3; l >= 0; l--) if (Shift(l) == sizeLog2) return l;
        throw new ArgumentException($"size 2^{sizeLog2} is not a level size for granule 2^{_g}");
    }

    /// <summary>Stage-1 leaf attributes: AF, AP[2:1], UXN/PXN.</summary>
    public static ulong S1Attrs(bool write = true, bool user = true, bool xn = true, bool af = true) =>
        (af ? 1UL << 10 : 0) | (user ? 1UL << 6 : 0) | (write ? 0 : 1UL << 7) | (xn ? 3UL << 53 : 0) | (3UL << 8);

    /// <summary>Stage-2 leaf attributes: AF, S2AP (bit 6 read, bit 7 write), XN.</summary>
    public static ulong S2Attrs(bool read = true, bool write = true, bool xn = true, bool af = true) =>
        (af ? 1UL << 10 : 0) | (read ? 1UL << 6 : 0) | (write ? 1UL << 7 : 0) | (xn ? 1UL << 54 : 0) | (3UL << 8);

    public ulong DefaultAttrs => Stage2 ? S2Attrs() : S1Attrs();

    private ulong Index(ulong va, int level)
    {
        int bits = level == _startLevel ? _startBits : _stride;
        return (va >> Shift(level)) & ((1UL << bits) - 1);
    }

    /// <summary>Address of the descriptor for <paramref name="va"/> at <paramref name="level"/>, creating tables on the way.</summary>
    public ulong DescriptorAddress(ulong va, int level, bool create = true)
    {
        ulong table = Root;
        for (int l = _startLevel; l < level; l++)
        {
            ulong da = table + Index(va, l) * 8;
            ulong d = _bed.Memory.Read64(da);
            if ((d & 3) != 3)
            {
                if (!create) return 0;
                ulong next = _bed.Alloc(1UL << _g, 1UL << _g);
                _bed.Memory.Write64(da, next | 3);
                d = next | 3;
            }
            table = d & 0x0000_ffff_ffff_f000UL & ~((1UL << _g) - 1);
        }
        return table + Index(va, level) * 8;
    }

    public void Map(ulong va, ulong pa, int sizeLog2, ulong? attrs = null)
    {
        int level = LevelForSize(sizeLog2);
        ulong d = pa | (attrs ?? DefaultAttrs) | (level == 3 ? 3UL : 1UL);
        _bed.Memory.Write64(DescriptorAddress(va, level), d);
    }

    public void Unmap(ulong va, int sizeLog2) => _bed.Memory.Write64(DescriptorAddress(va, LevelForSize(sizeLog2)), 0);
}
