using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using NUnit.Framework;

namespace HwEmu.Tests.Smmu;

public class SmmuFuzzTests
{
    private const ulong Region = 0x10_0000;   // 64 KiB of fuzzed structures
    private const int RegionPages = 16;

    /// <summary>A value that is sometimes a plausible pointer into the fuzz region, sometimes anything.</summary>
    private static ulong Pointerish(Random rng)
    {
        ulong v = (ulong)rng.NextInt64();
        switch (rng.Next(4))
        {
            case 0: return v;
            case 1: return (v & ~0x000f_ffff_ffff_f000UL) | Region + (ulong)rng.Next(RegionPages) * 0x1000;
            default: return (v & 0xfff0_0000_0000_0fffUL) | Region + (ulong)rng.Next(RegionPages) * 0x1000 | (ulong)(uint)rng.Next(4);
        }
    }

    [Test]
    public void RandomStructuresAndRegistersNeverThrow()
    {
        var rng = new Random(12345);
        var bed = new SmmuTestBed(new SmmuConfig { Tlb = new CacheGeometry(64, 4, CacheReplacement.Random), ConfigCache = new CacheGeometry(8, 2, CacheReplacement.Lru) });
        var smmu = bed.Smmu;
        var outcomes = new int[4];
        // Start from a region full of valid table/page descriptors pointing back into the region.
        for (ulong a = Region; a < Region + RegionPages * 0x1000UL; a += 8)
            bed.Memory.Write64(a, Region + (ulong)rng.Next(RegionPages) * 0x1000 | 3 | 1UL << 10 | 1UL << 6);
        for (int i = 0; i < 100_000; i++)
        {
            // Random STE for a few StreamIDs, pointing (sometimes) at fuzzed CDs and tables.
            uint sid = (uint)rng.Next(4);
            ulong w0 = Pointerish(rng) & ~0xfUL | (ulong)(uint)rng.Next(16);
            ulong w2 = (ulong)rng.NextInt64();
            if (rng.Next(2) == 0) w2 = (w2 & ~(0x3fUL << 32)) | (ulong)(16 + rng.Next(32)) << 32 | 1UL << 51;
            bed.WriteWords(SmmuTestBed.StrtabBase + sid * 64, [w0, (ulong)rng.NextInt64(), w2, Pointerish(rng)], 4);
            if (rng.Next(2) == 0)
            {
                // A well-formed S1 STE and CD over fuzzed tables, so walks reach every level.
                ulong cd = Region + (ulong)rng.Next(RegionPages) * 0x1000 + (ulong)rng.Next(64) * 64;
                bed.WriteWords(SmmuTestBed.StrtabBase + sid * 64, SmmuTestBed.SteS1(cd), 8);
                ulong ttb = Region + (ulong)rng.Next(RegionPages) * 0x1000;
                bed.WriteWords(cd, SmmuTestBed.Cd((ushort)rng.Next(4), ttb, 16 + rng.Next(24), rng.Next(3), affd: rng.Next(2) == 0), 2);
            }
            // Random descriptors / CD words in the region.
            for (int k = 0; k < 8; k++)
            {
                ulong a = Region + (ulong)rng.Next(RegionPages * 512) * 8;
                ulong d = rng.Next(3) == 0 ? (ulong)rng.NextInt64() : Pointerish(rng) | 1UL << 31 | 1UL << 41 | 1UL << 10;
                bed.Memory.Write64(a, d);
            }
            if (rng.Next(64) == 0)
            {
                ulong off = (ulong)rng.Next(0x20000) & ~3UL;
                int size = rng.Next(2) == 0 ? 4 : 8;
                if (off == 0x20 && rng.Next(2) == 0) continue; // keep the SMMU enabled most of the time
                smmu.Write(off & ~(ulong)(size - 1), size, (ulong)rng.NextInt64(), BusAttributes.Cpu);
                smmu.Read(off, 4, out _, BusAttributes.Cpu);
            }
            if (rng.Next(32) == 0) smmu.Write(0x20, 4, 0xd, BusAttributes.Cpu);
            if (rng.Next(16) == 0)
            {
                bed.Memory.Write64(SmmuTestBed.CmdqBase + (ulong)rng.Next(256) * 16, (ulong)rng.NextInt64() & 0xffff_ffff_ffff_ff7fUL);
                smmu.Write(0x98, 4, (ulong)rng.Next(1 << 9), BusAttributes.Cpu);
                smmu.Write(0x64, 4, (ulong)rng.Next(0x200), BusAttributes.Cpu);
            }
            smmu.ConfigCache.InvalidateAll();
            var tx = new SmmuTransaction
            {
                StreamId = rng.Next(8) == 0 ? (uint)rng.Next() : sid, Address = rng.Next(2) == 0 ? Pointerish(rng) : (ulong)rng.NextInt64(1L << 32), Write = rng.Next(2) == 0,
                Privileged = rng.Next(2) == 0, Instruction = rng.Next(4) == 0, SubstreamValid = rng.Next(4) == 0, SubstreamId = (uint)rng.Next(1 << 20),
            };
            smmu.Translate(tx, out var r);
            outcomes[(int)r.Status]++;
            if (r.Succeeded) Assert.That(r.OutputAddress, Is.LessThan(1UL << 52).Or.EqualTo(tx.Address));
        }
        TestContext.Out.WriteLine($"ok {outcomes[0]} bypass {outcomes[1]} fault {outcomes[2]} abort {outcomes[3]}");
        Assert.That(outcomes.Sum(), Is.EqualTo(100_000));
        Assert.That(outcomes[2], Is.GreaterThan(1000), "the fuzzer reaches the fault paths");
        Assert.That(outcomes[0], Is.GreaterThan(100), "and some successful walks");
    }
}
