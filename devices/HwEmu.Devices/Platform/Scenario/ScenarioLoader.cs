using System.Text.Json;

namespace HwEmu.Devices.Platform;

/// <summary>
/// Loads scenario JSON (docs/scenario-schema.md) into a <see cref="Scenario"/>, then checks cross-references with
/// <see cref="ScenarioValidator"/>. Every problem is a <see cref="ScenarioException"/>
/// "<c>FILE: $.path: expected X, found Y</c>". Unknown properties are errors (they are usually typos).
/// Comments and trailing commas are accepted.
/// </summary>
public static class ScenarioLoader
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 };

    /// <summary>Loads and validates the scenario file at <paramref name="path"/>.</summary>
    public static Scenario Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException(path, "$", "a readable scenario file", e.Message, e);
        }
        return Parse(text, path);
    }

    /// <summary>Loads a scenario file, or the built-in scenario of that name when no such file exists.</summary>
    public static Scenario LoadFileOrBuiltIn(string pathOrName)
    {
        ArgumentNullException.ThrowIfNull(pathOrName);
        if (!File.Exists(pathOrName) && BuiltInScenarios.TryGet(pathOrName, out Scenario? builtIn)) return builtIn;
        return Load(pathOrName);
    }

    /// <summary>Parses and validates scenario JSON <paramref name="json"/>; <paramref name="file"/> names it in errors.</summary>
    public static Scenario Parse(string json, string file)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(file);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw new ScenarioException(file, "$", "well-formed JSON",
                $"a syntax error at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}", e);
        }
        using (doc)
        {
            Scenario s = Read(new ScenarioJson(file, "$", doc.RootElement));
            ScenarioValidator.Validate(s, file);
            return s;
        }
    }

    private static Scenario Read(ScenarioJson root)
    {
        root.Object("name", "description", "seed", "platform", "topology", "iommuMap", "iommuMapMask", "msiMap", "msiMapMask",
            "devices", "domains", "workloads", "run", "$schema");
        var d = new Scenario();
        return new Scenario
        {
            Name = root.Required("name", "a scenario name").Name(),
            Description = root.Optional("description")?.String() ?? "",
            Seed = root.Optional("seed")?.UInt64() ?? d.Seed,
            Platform = root.Optional("platform") is { } p ? ReadPlatform(p) : d.Platform,
            Topology = ReadTopology(root.Required("topology", "an object with rootPorts and endpoints")),
            IommuMap = root.Optional("iommuMap") is { } im ? ReadMap(im) : d.IommuMap,
            IommuMapMask = (uint)(root.Optional("iommuMapMask")?.Integer(0, 0xffff) ?? d.IommuMapMask),
            MsiMap = root.Optional("msiMap") is { } mm ? ReadMap(mm) : d.MsiMap,
            MsiMapMask = (uint)(root.Optional("msiMapMask")?.Integer(0, 0xffff) ?? d.MsiMapMask),
            Devices = List(root.Required("devices", "an array of devices"), ReadDevice),
            Domains = root.Optional("domains") is { } dm ? List(dm, ReadDomain) : ValueList<DomainSpec>.Empty,
            Workloads = List(root.Required("workloads", "an array of workloads"), ReadWorkload),
            Run = root.Optional("run") is { } r ? ReadRun(r) : d.Run,
        };
    }

    private static ValueList<T> List<T>(ScenarioJson j, Func<ScenarioJson, T> read)
    {
        var items = new List<T>();
        foreach (ScenarioJson e in j.Array()) items.Add(read(e));
        return new ValueList<T>(items);
    }

    private static ValueList<RidMapEntry> ReadMap(ScenarioJson j) => List(j, e =>
    {
        e.Object("ridBase", "base", "length");
        return new RidMapEntry(
            (uint)e.Required("ridBase", "an integer in 0..65535").Integer(0, 0xffff),
            (uint)e.Required("base", "an integer in 0..4294967295").Integer(0, uint.MaxValue),
            (uint)e.Required("length", "an integer in 1..65536").Integer(1, 0x10000));
    });

    private static PlatformSpec ReadPlatform(ScenarioJson j)
    {
        j.Object("memory", "smmu", "msi", "link");
        var d = new PlatformSpec();
        return new PlatformSpec
        {
            Memory = j.Optional("memory") is { } m ? ReadMemory(m) : d.Memory,
            Smmu = j.Optional("smmu") is { } s ? ReadSmmu(s) : d.Smmu,
            Msi = j.Optional("msi") is { } i ? ReadMsi(i) : d.Msi,
            Link = j.Optional("link") is { } l ? ReadLink(l) : d.Link,
        };
    }

    private static MemorySpec ReadMemory(ScenarioJson j)
    {
        j.Object("base", "size", "latency", "bandwidth", "outstanding");
        var d = new MemorySpec();
        return new MemorySpec
        {
            Base = j.Optional("base")?.UInt64() ?? d.Base,
            Size = j.Optional("size")?.PositiveSize() ?? d.Size,
            LatencyPs = j.Optional("latency")?.Duration() ?? d.LatencyPs,
            BytesPerNanosecond = j.Optional("bandwidth")?.Bandwidth() ?? d.BytesPerNanosecond,
            Outstanding = j.Optional("outstanding")?.Int(1, 4096) ?? d.Outstanding,
        };
    }

    private static SmmuSpec ReadSmmu(ScenarioJson j)
    {
        j.Object("base", "clock", "tlbEntries", "tlbWays", "tlbPolicy", "walkCacheEntries", "configCacheEntries",
            "translationSlots", "concurrentWalks", "stages", "oas", "rangeInvalidation");
        var d = new SmmuSpec();
        return new SmmuSpec
        {
            Base = j.Optional("base")?.UInt64() ?? d.Base,
            ClockHz = j.Optional("clock")?.Frequency() ?? d.ClockHz,
            TlbEntries = j.Optional("tlbEntries")?.Int(1, 1 << 20) ?? d.TlbEntries,
            TlbWays = j.Optional("tlbWays")?.Int(1, 1 << 20) ?? d.TlbWays,
            TlbPolicy = j.Optional("tlbPolicy")?.Enum(("lru", TlbPolicy.Lru), ("fifo", TlbPolicy.Fifo), ("random", TlbPolicy.Random)) ?? d.TlbPolicy,
            WalkCacheEntries = j.Optional("walkCacheEntries")?.Int(0, 1 << 20) ?? d.WalkCacheEntries,
            ConfigCacheEntries = j.Optional("configCacheEntries")?.Int(0, 1 << 20) ?? d.ConfigCacheEntries,
            TranslationSlots = j.Optional("translationSlots")?.Int(1, 4096) ?? d.TranslationSlots,
            ConcurrentWalks = j.Optional("concurrentWalks")?.Int(1, 256) ?? d.ConcurrentWalks,
            Stages = j.Optional("stages")?.Enum(("s1", SmmuStages.Stage1), ("s2", SmmuStages.Stage2), ("nested", SmmuStages.Nested)) ?? d.Stages,
            Oas = j.Optional("oas") is { } oas ? Oas(oas) : d.Oas,
            RangeInvalidation = j.Optional("rangeInvalidation")?.Bool() ?? d.RangeInvalidation,
        };
    }

    private static MsiControllerSpec ReadMsi(ScenarioJson j)
    {
        j.Object("kind", "position", "base", "gicdBase", "gicrBase", "cpus", "spiBase", "spiCount", "deliveryLatency");
        var d = new MsiControllerSpec();
        return new MsiControllerSpec
        {
            Kind = j.Optional("kind")?.Enum(("its", MsiControllerKind.Its), ("gicv2m", MsiControllerKind.Gicv2m)) ?? d.Kind,
            Position = j.Optional("position")?.Enum(("downstream", MsiPosition.Downstream), ("upstream", MsiPosition.Upstream)) ?? d.Position,
            Base = j.Optional("base")?.UInt64() ?? d.Base,
            GicdBase = j.Optional("gicdBase")?.UInt64() ?? d.GicdBase,
            GicrBase = j.Optional("gicrBase")?.UInt64() ?? d.GicrBase,
            CpuCount = j.Optional("cpus")?.Int(1, 512) ?? d.CpuCount,
            SpiBase = (uint)(j.Optional("spiBase")?.Integer(32, 1019) ?? d.SpiBase),
            SpiCount = (uint)(j.Optional("spiCount")?.Integer(1, 988) ?? d.SpiCount),
            DeliveryLatencyPs = j.Optional("deliveryLatency")?.Duration() ?? d.DeliveryLatencyPs,
        };
    }

    private static LinkSpec ReadLink(ScenarioJson j)
    {
        j.Object("generation", "width", "maxPayloadSize", "maxReadRequestSize", "tags", "propagation");
        var d = new LinkSpec();
        return new LinkSpec
        {
            Generation = j.Optional("generation")?.Int(1, 6) ?? d.Generation,
            Width = j.Optional("width")?.Enum(("x1", 1), ("x2", 2), ("x4", 4), ("x8", 8), ("x16", 16), ("x32", 32)) ?? d.Width,
            MaxPayloadSize = j.Optional("maxPayloadSize") is { } mps ? Pow2Bytes(mps) : d.MaxPayloadSize,
            MaxReadRequestSize = j.Optional("maxReadRequestSize") is { } mrrs ? Pow2Bytes(mrrs) : d.MaxReadRequestSize,
            Tags = j.Optional("tags")?.Int(1, 768) ?? d.Tags,
            PropagationPs = j.Optional("propagation")?.Duration() ?? d.PropagationPs,
        };
    }

    private static int Oas(ScenarioJson j)
    {
        int v = j.Int(32, 52);
        if (v is not (32 or 36 or 40 or 42 or 44 or 48 or 52)) throw j.Error("an output address size of 32, 36, 40, 42, 44, 48 or 52 bits");
        return v;
    }

    private static int Pow2Bytes(ScenarioJson j)
    {
        ulong v = j.Size();
        if (v is < 128 or > 4096 || (v & (v - 1)) != 0) throw j.Error("a power of two in 128..4096 bytes");
        return (int)v;
    }

    private static TopologySpec ReadTopology(ScenarioJson j)
    {
        j.Object("hostBridge", "rootPorts", "switches", "bridges", "endpoints");
        return new TopologySpec
        {
            HostBridge = j.Optional("hostBridge") is { } hb ? ReadHostBridge(hb) : new HostBridgeSpec(),
            RootPorts = List(j.Required("rootPorts", "an array of root ports"), rp =>
            {
                rp.Object("name", "bdf", "secondaryBus", "acs", "link");
                return new RootPortSpec(rp.Required("name", "a name").Name(), rp.Required("bdf", "a BDF").Bdf(),
                    rp.Required("secondaryBus", "a bus number").Int(1, 255),
                    rp.Optional("acs") is { } a ? ReadAcs(a) : null, rp.Optional("link") is { } l ? ReadLink(l) : null);
            }),
            Switches = j.Optional("switches") is { } sw ? List(sw, s =>
            {
                s.Object("name", "parent", "upstreamBdf", "internalBus", "downstreamPorts");
                return new SwitchSpec(s.Required("name", "a name").Name(), s.Required("parent", "a port name").Name(),
                    s.Required("upstreamBdf", "a BDF").Bdf(), s.Required("internalBus", "a bus number").Int(1, 255),
                    List(s.Required("downstreamPorts", "an array of downstream ports"), p =>
                    {
                        p.Object("name", "bdf", "secondaryBus", "acs");
                        return new SwitchPortSpec(p.Required("name", "a name").Name(), p.Required("bdf", "a BDF").Bdf(),
                            p.Required("secondaryBus", "a bus number").Int(1, 255), p.Optional("acs") is { } a ? ReadAcs(a) : null);
                    }));
            }) : ValueList<SwitchSpec>.Empty,
            Bridges = j.Optional("bridges") is { } br ? List(br, b =>
            {
                b.Object("name", "parent", "bdf", "secondaryBus");
                return new PciBridgeSpec(b.Required("name", "a name").Name(), b.Required("parent", "a port name").Name(),
                    b.Required("bdf", "a BDF").Bdf(), b.Required("secondaryBus", "a bus number").Int(1, 255));
            }) : ValueList<PciBridgeSpec>.Empty,
            Endpoints = List(j.Required("endpoints", "an array of endpoints"), e =>
            {
                e.Object("name", "parent", "bdf", "bars");
                return new EndpointSpec(e.Required("name", "a name").Name(), e.Required("parent", "a port name").Name(),
                    e.Required("bdf", "a BDF").Bdf(),
                    e.Optional("bars") is { } bars ? List(bars, bar =>
                    {
                        bar.Object("index", "address", "size", "prefetchable");
                        return new BarSpec(bar.Required("index", "a BAR number").Int(0, 5), bar.Required("address", "an address").UInt64(),
                            bar.Required("size", "a size").PositiveSize(), bar.Optional("prefetchable")?.Bool() ?? false);
                    }) : ValueList<BarSpec>.Empty);
            }),
        };
    }

    private static HostBridgeSpec ReadHostBridge(ScenarioJson j)
    {
        j.Object("ecamBase", "mmio32Base", "mmio32Size", "mmio64Base", "mmio64Size");
        var d = new HostBridgeSpec();
        return new HostBridgeSpec
        {
            EcamBase = j.Optional("ecamBase")?.UInt64() ?? d.EcamBase,
            Mmio32Base = j.Optional("mmio32Base")?.UInt64() ?? d.Mmio32Base,
            Mmio32Size = j.Optional("mmio32Size")?.Size() ?? d.Mmio32Size,
            Mmio64Base = j.Optional("mmio64Base")?.UInt64() ?? d.Mmio64Base,
            Mmio64Size = j.Optional("mmio64Size")?.Size() ?? d.Mmio64Size,
        };
    }

    private static AcsSpec ReadAcs(ScenarioJson j)
    {
        if (j.Element.ValueKind == JsonValueKind.True) return AcsSpec.Isolating;
        if (j.Element.ValueKind == JsonValueKind.False) return new AcsSpec();
        j.Object("sourceValidation", "requestRedirect", "completionRedirect", "upstreamForwarding", "egressControl", "directTranslatedP2p");
        return new AcsSpec(
            j.Optional("sourceValidation")?.Bool() ?? false,
            j.Optional("requestRedirect")?.Bool() ?? false,
            j.Optional("completionRedirect")?.Bool() ?? false,
            j.Optional("upstreamForwarding")?.Bool() ?? false,
            j.Optional("egressControl")?.Bool() ?? false,
            j.Optional("directTranslatedP2p")?.Bool() ?? false);
    }

    private static DeviceSpec ReadDevice(ScenarioJson j)
    {
        j.Object("name", "endpoint", "kind", "msiVectors", "msixVectors", "msixBar", "msixTableOffset", "msixPbaOffset",
            "queues", "queueEntries", "coalesce");
        var d = new DeviceSpec();
        string name = j.Required("name", "a device name").Name();
        return new DeviceSpec
        {
            Name = name,
            Endpoint = j.Optional("endpoint")?.Name() ?? name,
            Kind = j.Required("kind", "a device kind").Enum(("dma-engine", DeviceKind.DmaEngine), ("nvme", DeviceKind.Nvme), ("nic", DeviceKind.Nic)),
            MsiVectors = MsiVectorsNumber(j),
            MsixVectors = j.Optional("msixVectors")?.Int(0, 2048) ?? d.MsixVectors,
            MsixBar = j.Optional("msixBar")?.Int(0, 5) ?? d.MsixBar,
            MsixTableOffset = j.Optional("msixTableOffset")?.UInt64() ?? d.MsixTableOffset,
            MsixPbaOffset = j.Optional("msixPbaOffset")?.UInt64() ?? d.MsixPbaOffset,
            Queues = j.Optional("queues")?.Int(1, 1024) ?? d.Queues,
            QueueEntries = j.Optional("queueEntries")?.Int(2, 65536) ?? d.QueueEntries,
            CoalesceCount = j.Optional("coalesce")?.Int(1, 256) ?? d.CoalesceCount,
        };
    }

    private static int MsiVectorsNumber(ScenarioJson j)
    {
        if (j.Optional("msiVectors") is not { } v) return 0;
        int n = v.Int(0, 32);
        if ((n & (n - 1)) != 0) throw v.Error("0 or a power of two up to 32");
        return n;
    }

    private static DomainSpec ReadDomain(ScenarioJson j)
    {
        j.Object("device", "kind", "pageSize", "iovaBase");
        var d = new DomainSpec("", DomainKind.DmaStrict);
        ScenarioJson? ps = j.Optional("pageSize");
        ulong pageSize = ps?.Size() ?? d.PageSize;
        if (ps is { } p && pageSize is not (4096 or 16384 or 65536 or 2UL << 20 or 32UL << 20 or 512UL << 20 or 1UL << 30))
            throw p.Error("a mapping size of 4KiB, 16KiB, 64KiB, 2MiB, 32MiB, 512MiB or 1GiB");
        return new DomainSpec(
            j.Required("device", "a device name").Name(),
            j.Required("kind", "a domain kind").Enum(("dma-strict", DomainKind.DmaStrict), ("dma-lazy", DomainKind.DmaLazy), ("vfio", DomainKind.Vfio), ("identity", DomainKind.Identity)),
            pageSize,
            j.Optional("iovaBase")?.UInt64() ?? d.IovaBase);
    }

    private static WorkloadSpec ReadWorkload(ScenarioJson j)
    {
        j.Object("name", "device", "pattern", "transferSize", "readFraction", "workingSet", "rate", "queueDepth", "zipfTheta", "target");
        var d = new WorkloadSpec();
        return new WorkloadSpec
        {
            Name = j.Required("name", "a workload name").Name(),
            Device = j.Required("device", "a device name").Name(),
            Pattern = j.Optional("pattern")?.Enum(("sequential", AccessPattern.Sequential), ("random", AccessPattern.Random), ("zipf", AccessPattern.Zipf)) ?? d.Pattern,
            TransferSize = j.Optional("transferSize")?.PositiveSize() ?? d.TransferSize,
            ReadFraction = j.Optional("readFraction")?.Double(0, 1) ?? d.ReadFraction,
            WorkingSet = j.Optional("workingSet")?.PositiveSize() ?? d.WorkingSet,
            Rate = j.Optional("rate")?.Double(0, 1e12) ?? d.Rate,
            QueueDepth = j.Optional("queueDepth")?.Int(1, 65536) ?? d.QueueDepth,
            ZipfTheta = j.Optional("zipfTheta")?.Double(0, 0.999) ?? d.ZipfTheta,
            Target = j.Optional("target")?.Name() ?? d.Target,
        };
    }

    private static RunSpec ReadRun(ScenarioJson j)
    {
        j.Object("duration", "transactions", "sampleInterval");
        var d = new RunSpec();
        ScenarioJson? tx = j.Optional("transactions");
        ScenarioJson? dur = j.Optional("duration");
        var r = new RunSpec
        {
            // A transaction-limited run has no time limit unless one is given too.
            DurationPs = dur?.Duration() ?? (tx is null ? d.DurationPs : 0),
            Transactions = tx?.Integer(0, long.MaxValue) ?? 0,
            SampleIntervalPs = j.Optional("sampleInterval")?.Duration() ?? d.SampleIntervalPs,
        };
        if (r.DurationPs == 0 && r.Transactions == 0) throw j.Error("a non-zero duration or transactions", "neither");
        if (r.SampleIntervalPs == 0) throw j.Required("sampleInterval", "").Error("a duration greater than 0");
        return r;
    }
}
