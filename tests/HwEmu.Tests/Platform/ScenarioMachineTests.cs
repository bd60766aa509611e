using HwEmu.Devices.Host;
using HwEmu.Devices.Pcie;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Platform.Reporting;
using NUnit.Framework;

namespace HwEmu.Tests.Platform;

public class ScenarioMachineTests
{
    private static Scenario Example(string file) => ScenarioLoader.Load(Path.Combine(ScenarioLoaderTests.ExamplesDirectory, file));

    /// <summary>One DMA engine at 01:00.0 under a root port, identity domain, sequential reads.</summary>
    internal static Scenario OneEngine(int queueDepth = 64, ulong transfer = 4096, ulong durationPs = 200_000_000, double readFraction = 1.0) => new()
    {
        Name = "one-engine",
        Topology = new TopologySpec
        {
            RootPorts = new[] { new RootPortSpec("rp0", "00:01.0", 1) },
            Endpoints = new[] { new EndpointSpec("dma0", "rp0", "01:00.0", new[] { new BarSpec(0, 0x1000_0000, 0x4000) }) },
        },
        Devices = new[] { new DeviceSpec { Name = "dma0", Endpoint = "dma0", Kind = DeviceKind.DmaEngine, MsixVectors = 1, CoalesceCount = 256 } },
        Domains = new[] { new DomainSpec("dma0", DomainKind.Identity) },
        Workloads = new[] { new WorkloadSpec { Name = "seq", Device = "dma0", Pattern = AccessPattern.Sequential, TransferSize = transfer, ReadFraction = readFraction, WorkingSet = 64UL << 20, QueueDepth = queueDepth } },
        Run = new RunSpec { DurationPs = durationPs, SampleIntervalPs = 10_000_000 },
    };

    [Test]
    public void LinkBandwidthIsReachedButNeverExceeded()
    {
        RunResults r = MachineBuilder.Build(OneEngine()).Run();
        DeviceResults d = r.Devices[0];
        // Gen4 x4: 16 GT/s x 4 lanes x 128/130 / 8 = 7.8769 GB/s per direction. A 4 KiB read comes back as 16
        // completions of MPS = 256 bytes, each with a 12-byte header and 8 bytes of framing/LCRC: 4416 wire bytes.
        double link = 16.0 * 4 * 128 / 130 / 8;
        double payloadMax = link * 4096 / (4096 + 16 * 20);
        Assert.That(d.Errors, Is.Zero);
        Assert.That(d.GigabytesPerSecond(r.SimulatedPs), Is.LessThanOrEqualTo(payloadMax));
        Assert.That(d.GigabytesPerSecond(r.SimulatedPs), Is.GreaterThan(0.97 * payloadMax));
        // And in every sampling interval: a sample counts whole transfers completed in it, so it may hold at most
        // one transfer more than the link could carry in the interval.
        foreach (TimeSample s in r.Samples)
            Assert.That(s.Bytes, Is.LessThanOrEqualTo(payloadMax * (r.SampleIntervalPs / 1000.0) + 4096));
    }

    [Test]
    public void OneReadThroughATlbMissThenATlbHitTakesExactlyTheHandComputedTime()
    {
        // One DMA engine assigned through VFIO (buffer mapped once with 4 KiB pages at IOVA 0x1_0000_0000), queue
        // depth 1, the same 4 KiB page read three times: the first
        // read misses everything (config cache, TLB, walk cache), the others hit the TLB. Defaults: Gen4 x4
        // (1024/130 B/ns = 126.953125 ps/B, 150 ns propagation, MPS 256, MRRS 512), SMMU at 1 GHz (config cache 3,
        // TLB 3, walk start 1, walk-cache probe 4, fetch issue 1 + process 1 cycles), DRAM 80 ns + 25.6 B/ns.
        //
        // Request: 8 read requests of 512 B to IOVA 0x1_0000_0000 (64-bit: 4 DW header) + 8 B framing = 192 B
        //          = 24 375 ps, + 150 000 = 174 375 ps after issue.
        // Completions: 8 x 2 completions of 256 B with 3 DW header + 8 B framing = 4416 B = 560 625 ps, + 150 000.
        // DRAM data read: 80 000 + 4096 / 25.6 = 240 000 ps.
        // A descriptor fetch from SMMU cycle c issues at edge c+1, is done 80 000 + ceil(n x 39.0625) ps later,
        // and is consumed at the next edge + 1: an 8 B fetch ends at c+83, a 64 B fetch at c+85.
        //
        // Miss (issued at 0): arrives 174 375 -> cycle 175; config cache lookup -> 178; two-level stream table:
        // L1 descriptor (8 B) -> 261, STE (64 B) -> 346, CD (64 B) -> 431; TLB lookup -> 434; walk start + 3
        // walk-cache probes -> 447; four 8 B table descriptors (48-bit IAS, levels 0-3) -> 779 (604 cycles).
        // Data at 779 000 + 240 000 = 1 019 000; completions back at 1 019 000 + 710 625 = 1 729 625 ps.
        //
        // Hit (issued at 1 729 625): arrives 1 904 000, an edge; config cache + TLB = 6 cycles -> 1 910 000;
        // + 240 000 + 710 625 = 2 860 625, i.e. 1 131 000 ps after issue.
        Scenario s = OneEngine(queueDepth: 1) with
        {
            Domains = new[] { new DomainSpec("dma0", DomainKind.Vfio, 4096, 0x1_0000_0000) },
            Workloads = new[] { new WorkloadSpec { Name = "seq", Device = "dma0", Pattern = AccessPattern.Sequential, TransferSize = 4096, WorkingSet = 4096, QueueDepth = 1 } },
            Run = new RunSpec { DurationPs = 0, Transactions = 3, SampleIntervalPs = 1_000_000_000 },
        };
        RunResults r = MachineBuilder.Build(s).Run();
        DeviceResults d = r.Devices[0];
        Assert.That(d.Reads, Is.EqualTo(3));
        Assert.That(d.Latency.Max, Is.EqualTo(1_729_625UL), "TLB miss");
        Assert.That(d.Latency.Min, Is.EqualTo(1_131_000UL), "TLB hit");
        Assert.That(r.TranslationLatency.Max, Is.EqualTo(604_625UL)); // 779 000 - 174 375 (arrival to result, edge wait included)
        Assert.That(r.Translation.TlbHits, Is.EqualTo(2));
        Assert.That(r.Translation.TlbMisses, Is.EqualTo(1));
        Assert.That(r.Translation.WalkReads, Is.EqualTo(7)); // L1STD, STE, CD and four table descriptors
    }

    [Test]
    public void PeerToPeerBypassesTheSmmuOnlyWithoutAcs()
    {
        Scenario open = Example("p2p-no-acs.json");
        RunResults a = MachineBuilder.Build(open).Run();
        Assert.That(a.P2pBypasses, Is.GreaterThan(100));
        Assert.That(a.Devices[0].P2pBypasses, Is.EqualTo(a.P2pBypasses));

        // Same topology with ACS Request Redirect on the switch's downstream ports: every peer request goes up.
        var acs = AcsSpec.Isolating;
        SwitchSpec sw = open.Topology.Switches[0];
        var isolated = open with
        {
            Topology = open.Topology with
            {
                Switches = new[] { sw with { DownstreamPorts = new ValueList<SwitchPortSpec>(sw.DownstreamPorts.Select(p => p with { Acs = acs })) } },
            },
        };
        ScenarioMachine m = MachineBuilder.Build(isolated);
        RunResults b = m.Run();
        Assert.That(b.P2pBypasses, Is.Zero);
        Assert.That(m.Hardware.Fabric.AcsRedirectCount, Is.GreaterThan(100));
    }

    [Test]
    public void MsisBypassTheSmmuWhenTheControllerIsUpstream()
    {
        // Identity data domain so that the data path works whatever the SMMU's state; MSIs are what is measured.
        Scenario up = Example("msi-upstream.json") with
        {
            Domains = new[] { new DomainSpec("nvme0", DomainKind.Identity) },
            Run = new RunSpec { DurationPs = 100_000_000, SampleIntervalPs = 10_000_000 },
        };
        ScenarioMachine m = MachineBuilder.Build(up);
        RunResults r = m.Run();
        long ops = r.Devices[0].Operations;
        Assert.That(ops, Is.GreaterThan(100));
        Assert.That(r.MsiBypasses, Is.InRange(ops, ops + 64)); // one MSI per completion (no coalescing), some in flight
        // Downstream (the default): MSIs are translated like any write and none bypasses.
        RunResults d = MachineBuilder.Build(up with { Platform = up.Platform with { Msi = up.Platform.Msi with { Position = MsiPosition.Downstream } } }).Run();
        Assert.That(d.MsiBypasses, Is.Zero);
    }

    [Test]
    public void VfioOnGicv2mFailsWithTheKernelsEpermUnlessUnsafeInterruptsAreAllowed()
    {
        Scenario v2m = Example("passthrough-gicv2m.json");
        var ex = Assert.Throws<HostSetupException>(() => MachineBuilder.Build(v2m));
        Assert.That(ex!.Errno, Is.EqualTo(Errno.EPERM));
        Assert.That(ex.Message, Does.Contain("No interrupt remapping support.  Use the module param \"allow_unsafe_interrupts\""));
        Assert.That(() => MachineBuilder.Build(v2m, new HostSetupOptions { AllowUnsafeInterrupts = true }), Throws.Nothing);
    }

    [Test]
    public void HostAndFabricSeeTheSameTopology()
    {
        Scenario s = Example("p2p-no-acs.json");
        MachineHardware hw = MachineBuilder.BuildHardware(s);
        var host = new HwEmu.Devices.Host.Iommu.HostSystem(ScenarioHostPlatform.Build(s));
        foreach (EndpointSpec ep in s.Topology.Endpoints)
        {
            PciBdf.TryParse(ep.Bdf, out PciBdf bdf);
            var dev = host.FindDevice(bdf)!;
            int node = hw.Fabric.Find(ep.Name);
            Assert.That(hw.Fabric.IommuMap.TryMap(hw.Fabric.UpstreamRequesterId(node), out uint sid), Is.True);
            Assert.That(dev.StreamIds, Has.Member(sid));
        }
        // No ACS anywhere: the peers share one group (pci_device_group walks up to the root port).
        Assert.That(host.FindDevice(new PciBdf(3, 0, 0))!.Group, Is.SameAs(host.FindDevice(new PciBdf(4, 0, 0))!.Group));
    }

    [Test]
    public void SteadyStateAllocatesNothingPerTransaction()
    {
        ScenarioMachine m = MachineBuilder.Build(BuiltInScenarios.PassthroughIts with { Run = new RunSpec { DurationPs = 0, Transactions = 0, SampleIntervalPs = 1_000_000_000 } });
        m.Start();
        m.Simulator.RunUntil(1_000_000_000); // warm up: slots, tables, JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        long tx = m.Transactions;
        m.Simulator.RunUntil(3_000_000_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(m.Transactions - tx, Is.GreaterThan(10_000));
        Assert.That(allocated, Is.LessThan(1024), $"{allocated} bytes over {m.Transactions - tx} transactions");
    }

    [Test]
    public void TlbReachPairShowsTheHitRateAndThroughputOfLargerMappings()
    {
        RunSpec run = new() { DurationPs = 200_000_000, SampleIntervalPs = 10_000_000 };
        RunResults small = MachineBuilder.Build(Example("tlb-reach-4k.json") with { Run = run }).Run();
        RunResults large = MachineBuilder.Build(Example("tlb-reach-2m.json") with { Run = run }).Run();
        // 2048 entries x 4 KiB = 8 MiB of reach over a 256 MiB working set: about 3 % of random reads hit.
        Assert.That(small.Translation.TlbHitRate, Is.LessThan(0.08));
        // 2 MiB blocks: 128 blocks cover the working set; after the first touch of each, everything hits.
        Assert.That(large.Translation.TlbHitRate, Is.GreaterThan(0.9));
        Assert.That(large.Translation.Walks, Is.LessThan(200));
        double gSmall = small.Devices[0].GigabytesPerSecond(small.SimulatedPs), gLarge = large.Devices[0].GigabytesPerSecond(large.SimulatedPs);
        Assert.That(gLarge, Is.GreaterThan(1.1 * gSmall), $"4 KiB {gSmall:F2} GB/s, 2 MiB {gLarge:F2} GB/s");
    }

    [Test]
    public void DefaultScenarioDeliversItsInterruptsThroughTheIts()
    {
        RunResults r = MachineBuilder.Build(BuiltInScenarios.PassthroughIts with { Run = new RunSpec { DurationPs = 100_000_000, SampleIntervalPs = 10_000_000 } }).Run();
        Assert.That(r.Faults, Is.Empty);
        InterruptResults irq = r.Interrupts.Single();
        // One I/O queue: its vector is MSI-X 1 = EventID 1 = the device's second LPI (8192 + 1).
        Assert.That(irq.Intid, Is.EqualTo(8193u));
        Assert.That(irq.Count, Is.InRange(r.Devices[0].Operations - 1, r.Devices[0].Operations));
        Assert.That(r.Translation.TlbHitRate, Is.GreaterThan(0.5)); // SQEs, CQEs and the doorbell page hit
    }

    [Test]
    public void StrictDmaDomainsInvalidateEveryUnmapAndLazyOnesBatchThem()
    {
        // Each I/O's buffer is dma_map'ed at submission and dma_unmap'ed at completion (Linux DMA API): a strict
        // domain sends a TLBI (+ CMD_SYNC) per unmap, a lazy (flush-queue) domain one TLBI per 255 unmaps.
        Scenario s = OneEngine(queueDepth: 4) with { Run = new RunSpec { DurationPs = 500_000_000, SampleIntervalPs = 10_000_000 } };
        RunResults strict = MachineBuilder.Build(s with { Domains = new[] { new DomainSpec("dma0", DomainKind.DmaStrict) } }).Run();
        RunResults lazy = MachineBuilder.Build(s with { Domains = new[] { new DomainSpec("dma0", DomainKind.DmaLazy) } }).Run();
        long ops = strict.Devices[0].Operations;
        Assert.That(ops, Is.GreaterThan(300));
        Assert.That(strict.Translation.Invalidations, Is.EqualTo(ops));
        // The ring holds 255 IOVAs: the 256th unmap flushes it first (queue_iova), and so on.
        Assert.That(lazy.Translation.Invalidations, Is.EqualTo((lazy.Devices[0].Operations - 1) / 255));
        Assert.That(lazy.Translation.Invalidations, Is.GreaterThan(0));
        Assert.That(strict.Devices[0].Errors + lazy.Devices[0].Errors, Is.Zero);
    }

    [TestCase(DeviceKind.Nic, DomainKind.Vfio, 1500UL)]
    [TestCase(DeviceKind.Nvme, DomainKind.DmaLazy, 16384UL)]
    [TestCase(DeviceKind.Nvme, DomainKind.Identity, 4096UL)]
    [TestCase(DeviceKind.DmaEngine, DomainKind.DmaStrict, 65536UL)]
    public void EveryDeviceKindRunsThroughEveryDomainKindWithoutErrors(DeviceKind kind, DomainKind domain, ulong transfer)
    {
        Scenario s = OneEngine(queueDepth: 8, transfer: transfer, durationPs: 100_000_000, readFraction: 0.5) with
        {
            Devices = new[] { new DeviceSpec { Name = "dma0", Endpoint = "dma0", Kind = kind, MsixVectors = 3, Queues = 2, QueueEntries = 64, CoalesceCount = 4 } },
            Domains = new[] { new DomainSpec("dma0", domain) },
        };
        ScenarioMachine m = MachineBuilder.Build(s);
        RunResults r = m.Run();
        DeviceResults d = r.Devices[0];
        Assert.That(d.Operations, Is.GreaterThan(10)); // 64 KiB at Gen4 x4: about 17 in 100 us
        Assert.That(d.Errors, Is.Zero);
        Assert.That(r.Faults, Is.Empty);
        if (kind == DeviceKind.Nic) Assert.That(d.Reads, Is.Zero, "a NIC only writes received packets");
        // Every 4 completions of a queue an interrupt; two queues: vectors of queue 0 and 1 (NVMe: MSI-X 1 and 2).
        long irqs = r.Interrupts.Sum(i => i.Count);
        Assert.That(irqs, Is.InRange(d.Operations / 4 - 2, d.Operations / 4 + 1));
        Assert.That(r.Interrupts.Count(), Is.EqualTo(2));
        // NVMe transfers over two pages fetch a PRP list: one more read per operation than the SQE fetch.
        Assert.That(m.Hardware.Links[0].UpstreamBytes, Is.GreaterThan(0));
    }
}
