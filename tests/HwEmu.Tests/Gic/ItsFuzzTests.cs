using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;

namespace HwEmu.Tests.Gic;

/// <summary>Random command-queue contents, table bytes and register values never throw (seeded, deterministic).</summary>
public class ItsFuzzTests
{
    private static readonly ItsCommandType[] s_opcodes =
    [
        ItsCommandType.Mapd, ItsCommandType.Mapc, ItsCommandType.Mapti, ItsCommandType.Mapi, ItsCommandType.Int, ItsCommandType.Clear,
        ItsCommandType.Discard, ItsCommandType.Inv, ItsCommandType.Invall, ItsCommandType.Movi, ItsCommandType.Movall, ItsCommandType.Sync,
    ];

    private static ulong Small(Random r) => r.Next(4) switch
    {
        0 => (ulong)r.Next(8),
        1 => (ulong)r.Next(300),
        2 => (ulong)r.NextInt64(),
        _ => 8192 + (ulong)r.Next(64),
    };

    private static ulong RandomAddress(Random r) => r.Next(4) switch
    {
        0 => 0x4100_0000UL + (ulong)r.Next(0x40_0000) * 16,   // around the tables
        1 => 0x4200_0000UL + (ulong)r.Next(0x1000) * 256,     // ITTs
        2 => (ulong)r.NextInt64() & 0x000F_FFFF_FFFF_FF00UL,  // anywhere (mostly holes)
        _ => 0x2000_0000UL,                                   // a hole
    };

    [TestCase(KvmOrQemu.Qemu, 1)]
    [TestCase(KvmOrQemu.Qemu, 2)]
    [TestCase(KvmOrQemu.Kvm, 3)]
    public void RandomQueuesTablesAndRegisters_NeverThrow(KvmOrQemu format, int seed)
    {
        var r = new Random(seed);
        var cfg = ItsConfig.WithCaches(16, 64, 16) with
        {
            TableFormat = format == KvmOrQemu.Kvm ? KvmItsTableFormat.Instance : QemuItsTableFormat.Instance,
            Pta = seed == 2,
        };
        var m = new ItsTestMachine(its: cfg, gic: new GicConfig { AutoAcknowledge = seed != 1 });
        m.Init();
        m.Setup1();
        Span<byte> cmd = stackalloc byte[32];
        Span<byte> junk = stackalloc byte[64];
        int cases = format == KvmOrQemu.Kvm ? 10_000 : 30_000;
        for (int i = 0; i < cases; i++)
        {
            switch (r.Next(10))
            {
                case 0:
                {
                    // Re-program the ITS: random BASERs (flat or two-level, any page size) and queue.
                    m.Bus.Write(ItsTestMachine.ItsBase, 4, 0, BusAttributes.Cpu);
                    ulong attrs = (1UL << 63) | (r.Next(2) == 0 ? 1UL << 62 : 0) | ((ulong)(uint)r.Next(4) << 8) | (uint)r.Next(4);
                    m.Bus.Write(ItsTestMachine.ItsBase + 0x100, 8, RandomAddress(r) | attrs, BusAttributes.Cpu);
                    m.Bus.Write(ItsTestMachine.ItsBase + 0x108, 8, (r.Next(3) == 0 ? RandomAddress(r) : ItsTestMachine.CollTable) | attrs, BusAttributes.Cpu);
                    m.Bus.Write(ItsTestMachine.ItsBase + 0x80, 8, (r.Next(3) == 0 ? RandomAddress(r) : ItsTestMachine.CmdQ) | (1UL << 63) | (uint)r.Next(16), BusAttributes.Cpu);
                    m.Bus.Write(ItsTestMachine.ItsBase, 4, 1, BusAttributes.Cpu);
                    break;
                }
                case 1:
                    r.NextBytes(junk);
                    m.Mem.Write(RandomAddress(r) & 0x4FFF_FFFF | 0x4000_0000, junk);   // corrupt table bytes
                    break;
                case 2:
                    m.Bus.Write(ItsTestMachine.ItsBase + (ulong)r.Next(0x2_0000), 1 << r.Next(4), (ulong)r.NextInt64(), BusAttributes.Cpu);
                    break;
                case 3:
                    m.Bus.Write(0x080A_0000 + (ulong)r.Next(4) * 0x2_0000 + (r.Next(2) == 0 ? 0UL : (ulong)r.Next(0x100)), 1 << r.Next(4), (ulong)r.NextInt64(), BusAttributes.Cpu);
                    break;
                default:
                {
                    // A burst of random but mostly well-formed commands, then CWRITER (sometimes with Retry).
                    int n = 1 + r.Next(8);
                    uint w = (uint)(m.Its.Registers.ReadRegister(m.Its.Registers.Registers.First(x => x.Name == "GITS_CREADR"), 0) >> 5);
                    for (int k = 0; k < n; k++)
                    {
                        var op = r.Next(8) == 0 ? (byte)r.Next(256) : (byte)s_opcodes[r.Next(s_opcodes.Length)];
                        var c = new ItsCommand(op | (Small(r) << 32), Small(r) | (Small(r) << 32), Small(r) | (r.Next(2) == 0 ? 1UL << 63 : 0) | (Small(r) << 16) | (ulong)RandomAddress(r) & 0xF_FFFF_FFFF_FF00UL, Small(r) << 16);
                        c.Write(cmd);
                        m.Mem.Write(ItsTestMachine.CmdQ + (ulong)((w + k) % 2048) * 32, cmd);
                    }
                    m.Bus.Write(ItsTestMachine.ItsBase + 0x88, 8, ((ulong)(w + (uint)n) % 2048 << 5) | (uint)r.Next(2), BusAttributes.Cpu);
                    for (int k = 0; k < 4; k++) m.Its.Translate((uint)Small(r), (uint)Small(r), (ulong)i * 1000);
                    m.Its.Translate(2, 20, (ulong)i * 1000);
                    m.Msi(7, 255);
                    if (seed == 1) m.Gic.CpuInterfaces[r.Next(4)].AcknowledgeAll((ulong)i * 1000);
                    break;
                }
            }
        }
        Assert.That(m.Its.CommandsProcessed, Is.GreaterThan(cases));
        Assert.That(m.Its.Registers.ReadRegister(m.Its.Registers.Registers.First(x => x.Name == "GITS_CREADR"), 0) >> 5, Is.LessThan(2048UL));
        TestContext.Out.WriteLine($"seed {seed}: {m.Its.CommandsProcessed} commands, {m.Its.CommandErrors} errors, {m.Its.DroppedMsis} MSIs dropped, {m.TotalDelivered()} delivered");
    }

    public enum KvmOrQemu { Qemu, Kvm }
}
