using System.Numerics;
using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.Iova;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

public class HostFuzzTests
{
    [Test]
    public void IovaAllocatorInvariants()
    {
        var rng = new Random(20261123);
        var d = new IovaDomain(0x1000, 0x10);
        d.ReserveIova(0x800, 0x9ff, out _);
        var live = new List<ulong>();
        ulong[] limits = [0xfff, 0x3fff, 0xfffff, 0x1_ffff];
        for (int op = 0; op < 20000; op++)
        {
            int k = rng.Next(10);
            if (k < 6 || live.Count == 0)
            {
                ulong size = (ulong)rng.Next(1, 65);
                bool aligned = rng.Next(2) == 0;
                ulong limit = limits[rng.Next(limits.Length)];
                if (d.AllocIova(size, limit, aligned, out var r))
                {
                    Assert.That(r.Pages, Is.EqualTo(size));
                    Assert.That(r.PfnLo, Is.GreaterThanOrEqualTo(0x10UL));
                    Assert.That(r.PfnHi, Is.LessThanOrEqualTo(limit));
                    if (aligned) Assert.That(r.PfnLo % BitOperations.RoundUpToPowerOf2(size), Is.EqualTo(0UL));
                    live.Add(r.PfnLo);
                }
            }
            else if (k < 9)
            {
                int i = rng.Next(live.Count);
                Assert.That(d.FreeIova(live[i]), Is.True);
                live[i] = live[^1];
                live.RemoveAt(live.Count - 1);
            }
            else
            {
                ulong pfn = (ulong)rng.Next(0x10, 0x2_0000);
                if (d.FindIova(pfn, out var n)) Assert.That(pfn, Is.InRange(n.PfnLo, n.PfnHi));
            }
            if (op % 500 == 0)
            {
                IovaRange? prev = null;
                foreach (var r in d.Ranges())
                {
                    if (prev is { } p) Assert.That(r.PfnLo, Is.GreaterThan(p.PfnHi), "nodes never overlap");
                    prev = r;
                }
                Assert.That(d.Count, Is.EqualTo(live.Count + 1));
            }
        }
        Assert.That(d.Warnings, Is.EqualTo(0));
    }

    [TestCase(4, 12)]
    [TestCase(4, 14)]
    [TestCase(5, 15)]
    [TestCase(6, 1)]
    public void IovaAllocatorNeverThrowsInAnyVersion(int major, int minor)
    {
        var rng = new Random(major * 100 + minor);
        var d = new IovaDomain(0x1000, 0, new KernelVersion(major, minor), legacyPfn32Bit: 0xff);
        var live = new List<ulong>();
        for (int op = 0; op < 5000; op++)
        {
            int k = rng.Next(8);
            if (k < 4)
            {
                ulong limit = rng.Next(4) == 0 ? ulong.MaxValue - (ulong)rng.Next(3) : (ulong)rng.Next(0x300);
                if (d.AllocIova((ulong)rng.Next(1, 300), limit, rng.Next(2) == 0, out var r)) live.Add(r.PfnLo);
            }
            else if (k < 6 && live.Count > 0)
            {
                int i = rng.Next(live.Count);
                d.FreeIova(live[i]);
                live.RemoveAt(i);
            }
            else d.ReserveIova((ulong)rng.Next(0x200), (ulong)rng.Next(0x200, 0x400), out _);
        }
        Assert.That(d.Count, Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public void IoPgtableAgainstPageModel()
    {
        var rng = new Random(7);
        var alloc = new PhysicalPageAllocator(new PhysicalMemory(), 0x4000_0000, 64UL << 20);
        var t = IoPgtableArm.Alloc(IoPgtableFormat.ArmLpaeS1, new IoPgtableConfig(0x4020_1000, 48, 48), alloc)!;
        var dom = new IoPgtableDomain(t);
        const ulong Base = 0x1_0000_0000;
        const int Pages = 2048; // four 2 MiB blocks
        var model = new ulong?[Pages];
        for (int op = 0; op < 20000; op++)
        {
            int k = rng.Next(10);
            if (k < 4)
            {
                int pg = rng.Next(Pages);
                ulong pa = 0x8_0000_0000UL + (ulong)rng.Next(1 << 20) * 0x1000;
                var err = IommuCore.Map(dom, Base + (ulong)pg * 0x1000, pa, 0x1000, IommuProt.Read);
                if (model[pg].HasValue) Assert.That(err, Is.EqualTo(Errno.EEXIST));
                else { Assert.That(err, Is.EqualTo(Errno.None)); model[pg] = pa; }
            }
            else if (k < 5)
            {
                int blk = rng.Next(Pages / 512);
                bool empty = true;
                for (int i = 0; i < 512; i++) empty &= !model[blk * 512 + i].HasValue;
                if (!empty) continue;
                ulong pa = 0x9_0000_0000UL + (ulong)rng.Next(64) * 0x20_0000;
                Assert.That(IommuCore.Map(dom, Base + (ulong)blk * 0x20_0000, pa, 0x20_0000, IommuProt.Write), Is.EqualTo(Errno.None));
                for (int i = 0; i < 512; i++) model[blk * 512 + i] = pa + (ulong)i * 0x1000;
            }
            else if (k < 8)
            {
                int pg = rng.Next(Pages);
                ulong got = t.UnmapPages(Base + (ulong)pg * 0x1000, 0x1000, 1);
                Assert.That(got, Is.EqualTo(model[pg].HasValue ? 0x1000UL : 0UL));
                model[pg] = null;
            }
            else
            {
                int pg = rng.Next(Pages);
                ulong off = (ulong)rng.Next(0x1000);
                Assert.That(t.IovaToPhys(Base + (ulong)pg * 0x1000 + off), Is.EqualTo(model[pg].HasValue ? model[pg]!.Value + off : 0UL));
            }
        }
        for (int pg = 0; pg < Pages; pg++)
            Assert.That(t.IovaToPhys(Base + (ulong)pg * 0x1000), Is.EqualTo(model[pg] ?? 0UL));
        t.Free();
        Assert.That(alloc.BlocksInUse, Is.EqualTo(0));
    }

    [Test]
    public void MalformedInputsTerminate()
    {
        // Bridges whose secondary buses form a loop (5 -> 1 -> 5) reachable from a root port.
        var topo = new HwEmu.Devices.Pcie.PciTopology()
            .Add(new HwEmu.Devices.Pcie.PciFunction(new HwEmu.Devices.Pcie.PciBdf(5, 0, 0), HwEmu.Devices.Pcie.PciFunctionKind.PcieToPciBridge) { SecondaryBus = 1, BindsDriver = true })
            .Add(new HwEmu.Devices.Pcie.PciFunction(new HwEmu.Devices.Pcie.PciBdf(1, 1, 0), HwEmu.Devices.Pcie.PciFunctionKind.SwitchDownstreamPort) { SecondaryBus = 5 })
            .Add(new HwEmu.Devices.Pcie.PciFunction(new HwEmu.Devices.Pcie.PciBdf(0, 1, 0), HwEmu.Devices.Pcie.PciFunctionKind.RootPort) { SecondaryBus = 1 });
        var h = new HostSystem(new HostPlatform
        {
            Name = "cyclic", Topology = topo, IommuName = "smmu", IommuMap = HwEmu.Devices.Pcie.RidMap.Identity("smmu"),
            ProbePolicy = IommuProbePolicy.AllDevices,
        });
        Assert.That(h.Devices.Count, Is.EqualTo(3), "terminates; every reachable function probed");

        // A map without READ/WRITE maps nothing and returns (6.1 io-pgtable returns 0 without progress).
        var alloc = new PhysicalPageAllocator(new PhysicalMemory(), 0x4000_0000, 1UL << 20);
        var t = IoPgtableArm.Alloc(IoPgtableFormat.ArmLpaeS1, new IoPgtableConfig(0x4020_1000, 48, 48), alloc)!;
        Assert.That(t.Map(0, 0, 0x40_0000, IommuProt.Cache), Is.EqualTo(Errno.None));
        Assert.That(t.IovaToPhys(0), Is.EqualTo(0UL));
        Assert.That(t.Map(0, 0, 0x1000, IommuProt.Read), Is.EqualTo(Errno.None));
        Assert.That(alloc.Alloc(1UL << 62), Is.EqualTo(0UL), "absurd sizes fail instead of looping");
    }
}
