using HwEmu.Devices.Platform;
using NUnit.Framework;

namespace HwEmu.Tests.Platform;

public class ScenarioLoaderTests
{
    internal static string ExamplesDirectory
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HwEmu.sln"))) dir = dir.Parent;
            Assert.That(dir, Is.Not.Null, "repository root (HwEmu.sln) above the test directory");
            return Path.Combine(dir!.FullName, "examples");
        }
    }

    private const string Minimal = """
        {
          "name": "t",
          "topology": {
            "rootPorts": [ { "name": "rp0", "bdf": "00:01.0", "secondaryBus": 1 } ],
            "endpoints": [ { "name": "ep0", "parent": "rp0", "bdf": "01:00.0", "bars": [ { "index": 0, "address": "0x10000000", "size": "16KiB" } ] } ]
          },
          "devices": [ { "name": "ep0", "kind": "dma-engine" } ],
          "workloads": [ { "name": "w", "device": "ep0" } ]
        }
        """;

    [Test]
    public void ExamplePassthroughItsEqualsBuiltIn()
    {
        Scenario fromFile = ScenarioLoader.Load(Path.Combine(ExamplesDirectory, "passthrough-its.json"));
        Assert.That(fromFile.Platform, Is.EqualTo(BuiltInScenarios.PassthroughIts.Platform));
        Assert.That(fromFile.Topology, Is.EqualTo(BuiltInScenarios.PassthroughIts.Topology));
        Assert.That(fromFile.Devices, Is.EqualTo(BuiltInScenarios.PassthroughIts.Devices));
        Assert.That(fromFile, Is.EqualTo(BuiltInScenarios.PassthroughIts));
    }

    [TestCase("passthrough-its.json")]
    [TestCase("passthrough-gicv2m.json")]
    [TestCase("dma-strict-vs-lazy.json")]
    [TestCase("tlb-reach-4k.json")]
    [TestCase("tlb-reach-2m.json")]
    [TestCase("p2p-no-acs.json")]
    [TestCase("msi-upstream.json")]
    public void EveryExampleLoads(string file)
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(ExamplesDirectory, file));
        Assert.That(s.Name, Is.EqualTo(Path.GetFileNameWithoutExtension(file)));
        Assert.That(s.Workloads.Count, Is.GreaterThan(0));
    }

    [Test]
    public void TlbReachPairDiffersOnlyInPageSizeAndName()
    {
        Scenario a = ScenarioLoader.Load(Path.Combine(ExamplesDirectory, "tlb-reach-4k.json"));
        Scenario b = ScenarioLoader.Load(Path.Combine(ExamplesDirectory, "tlb-reach-2m.json"));
        Assert.That(a.Domains[0].PageSize, Is.EqualTo(4096));
        Assert.That(b.Domains[0].PageSize, Is.EqualTo(2UL << 20));
        Assert.That(b with { Name = a.Name, Domains = a.Domains }, Is.EqualTo(a));
        // Working set larger than the 4 KiB reach (entries x page) but within the 2 MiB reach.
        ulong entries = (ulong)a.Platform.Smmu.TlbEntries;
        Assert.That(a.Workloads[0].WorkingSet, Is.GreaterThan(entries * 4096));
        Assert.That(a.Workloads[0].WorkingSet, Is.LessThanOrEqualTo(entries * (2UL << 20)));
    }

    [Test]
    public void ExampleValuesAreParsedWithUnits()
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(ExamplesDirectory, "passthrough-gicv2m.json"));
        Assert.That(s.Platform.Msi.Kind, Is.EqualTo(MsiControllerKind.Gicv2m));
        Assert.That(s.Platform.Msi.DoorbellAddress, Is.EqualTo(0x0802_0040));
        Scenario u = ScenarioLoader.Load(Path.Combine(ExamplesDirectory, "msi-upstream.json"));
        Assert.That(u.Platform.Msi.Position, Is.EqualTo(MsiPosition.Upstream));
        Assert.That(u.Run.Transactions, Is.EqualTo(100_000));
        Assert.That(u.Run.DurationPs, Is.EqualTo(0));
        Scenario p = ScenarioLoader.Load(Path.Combine(ExamplesDirectory, "p2p-no-acs.json"));
        Assert.That(p.Topology.Switches[0].DownstreamPorts[1].Acs, Is.Null);
        Assert.That(p.Workloads[0].Target, Is.EqualTo("nvme1"));
        Assert.That(p.Run.DurationPs, Is.EqualTo(500_000_000));
        Assert.That(BuiltInScenarios.PassthroughIts.Platform.Msi.DoorbellAddress, Is.EqualTo(0x0809_0040));
    }

    [Test]
    public void MinimalScenarioGetsDefaults()
    {
        Scenario s = ScenarioLoader.Parse(Minimal, "m.json");
        Assert.That(s.Platform, Is.EqualTo(new PlatformSpec()));
        Assert.That(s.Devices[0].Endpoint, Is.EqualTo("ep0"));
        Assert.That(s.Workloads[0].TransferSize, Is.EqualTo(4096));
        Assert.That(s.Run.DurationPs, Is.EqualTo(1_000_000_000));
        Assert.That(s.Seed, Is.EqualTo(1));
        Assert.That(s.Platform.Link.ToConfig().Width, Is.EqualTo(4));
    }

    [Test]
    public void LoadFileOrBuiltInFallsBackToBuiltInName()
    {
        Assert.That(ScenarioLoader.LoadFileOrBuiltIn("passthrough-its"), Is.SameAs(BuiltInScenarios.PassthroughIts));
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFileOrBuiltIn("/nonexistent/x.json"))!;
        Assert.That(e.Message, Does.StartWith("/nonexistent/x.json: $: expected a readable scenario file, found "));
    }

    private static string Err(string json) => Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, "s.json"))!.Message;

    private static string Mutate(string from, string to)
    {
        Assert.That(Minimal, Does.Contain(from), "test setup");
        return Minimal.Replace(from, to, StringComparison.Ordinal);
    }

    [Test]
    public void SyntaxError() =>
        Assert.That(Err("{\n  \"name\": ,\n}"), Does.StartWith("s.json: $: expected well-formed JSON, found a syntax error at line 2"));

    [Test]
    public void RootNotObject() => Assert.That(Err("[1]"), Is.EqualTo("s.json: $: expected an object, found an array"));

    [Test]
    public void MissingName() =>
        Assert.That(Err(Mutate("\"name\": \"t\",", "")), Is.EqualTo("s.json: $.name: expected a scenario name, found nothing"));

    [Test]
    public void UnknownProperty() =>
        Assert.That(Err(Mutate("\"name\": \"t\",", "\"name\": \"t\", \"sede\": 1,")), Does.StartWith("s.json: $.sede: expected one of the properties name, description, seed,").And.EndWith("found unknown property \"sede\""));

    [TestCase("\"size\": \"16KiB\"", "\"size\": \"16 KB\"", "$.topology.endpoints[0].bars[0].size: expected a size in bytes (a number or a string like \"4KiB\", \"2MiB\", \"0x8000000\"), found string \"16 KB\"")]
    [TestCase("\"size\": \"16KiB\"", "\"size\": \"24KiB\"", "$.topology.endpoints[0].bars[0].size: expected a power of two of at least 16 bytes, found 0x6000")]
    [TestCase("\"size\": \"16KiB\"", "\"size\": 0", "$.topology.endpoints[0].bars[0].size: expected a size greater than 0, found number 0")]
    [TestCase("\"address\": \"0x10000000\"", "\"address\": \"0x10001000\"", "$.topology.endpoints[0].bars[0].address: expected an address aligned to the BAR size 0x4000, found 0x10001000")]
    [TestCase("\"address\": \"0x10000000\"", "\"address\": \"0x4000\"", "$.topology.endpoints[0].bars[0].address: expected a BAR inside a host bridge window (0x10000000+0x2eff0000 or 0x8000000000+0x8000000000), found 0x4000+0x4000")]
    [TestCase("\"index\": 0", "\"index\": 6", "$.topology.endpoints[0].bars[0].index: expected an integer in 0..5, found number 6")]
    [TestCase("\"bdf\": \"01:00.0\"", "\"bdf\": \"01:20.0\"", "$.topology.endpoints[0].bdf: expected a BDF like \"01:00.0\" (hex bus:device.function, device <= 1f, function <= 7), found string \"01:20.0\"")]
    [TestCase("\"bdf\": \"01:00.0\"", "\"bdf\": \"02:00.0\"", "$.topology.endpoints[0].bdf: expected a BDF on bus 01 (the secondary bus of \"rp0\"), found \"02:00.0\"")]
    [TestCase("\"bdf\": \"00:01.0\"", "\"bdf\": \"01:01.0\"", "$.topology.rootPorts[0].bdf: expected a BDF on bus 00 (root ports are on bus 00), found \"01:01.0\"")]
    [TestCase("\"parent\": \"rp0\"", "\"parent\": \"rp9\"", "$.topology.endpoints[0].parent: expected the name of a root port, switch downstream port or PCI bridge, found \"rp9\"")]
    [TestCase("\"secondaryBus\": 1", "\"secondaryBus\": 0", "$.topology.rootPorts[0].secondaryBus: expected an integer in 1..255, found number 0")]
    [TestCase("\"kind\": \"dma-engine\"", "\"kind\": \"gpu\"", "$.devices[0].kind: expected one of \"dma-engine\", \"nvme\", \"nic\", found string \"gpu\"")]
    [TestCase("{ \"name\": \"ep0\", \"kind\": \"dma-engine\" }", "{ \"name\": \"ep0\", \"endpoint\": \"ep1\", \"kind\": \"dma-engine\" }", "$.devices[0].endpoint: expected the name of an endpoint in $.topology.endpoints, found \"ep1\"")]
    [TestCase("\"device\": \"ep0\"", "\"device\": \"ep1\"", "$.workloads[0].device: expected the name of a device in $.devices, found \"ep1\"")]
    [TestCase("\"device\": \"ep0\" }", "\"device\": \"ep0\", \"readFraction\": 1.5 }", "$.workloads[0].readFraction: expected a number in [0, 1], found number 1.5")]
    [TestCase("\"device\": \"ep0\" }", "\"device\": \"ep0\", \"transferSize\": \"1MiB\", \"workingSet\": \"64KiB\" }", "$.workloads[0].transferSize: expected a transfer size no larger than the working set 0x10000, found 0x100000")]
    [TestCase("\"device\": \"ep0\" }", "\"device\": \"ep0\", \"pattern\": \"strided\" }", "$.workloads[0].pattern: expected one of \"sequential\", \"random\", \"zipf\", found string \"strided\"")]
    [TestCase("\"device\": \"ep0\" }", "\"device\": \"ep0\", \"target\": \"ep0\" }", "$.workloads[0].target: expected the name of another device in $.devices, found \"ep0\"")]
    [TestCase("{ \"name\": \"w\", \"device\": \"ep0\" }", "{ \"name\": \"w\", \"device\": \"ep0\" }, { \"name\": \"w\", \"device\": \"ep0\" }", "$.workloads[1].name: expected a unique workload name, found \"w\"")]
    [TestCase("\"kind\": \"dma-engine\" }", "\"kind\": \"dma-engine\", \"msixVectors\": 2048 }", "$.devices[0].msixTableOffset: expected a QWORD-aligned table of 2048 entries inside BAR 0 (0x4000 bytes), found 0x2000")]
    [TestCase("\"kind\": \"dma-engine\" }", "\"kind\": \"dma-engine\", \"msixBar\": 2 }", "$.devices[0].msixBar: expected a BAR of endpoint \"ep0\", found 2")]
    [TestCase("\"kind\": \"dma-engine\" }", "\"kind\": \"dma-engine\", \"msiVectors\": 3 }", "$.devices[0].msiVectors: expected 0 or a power of two up to 32, found number 3")]
    [TestCase("\"kind\": \"dma-engine\" }", "\"kind\": \"nvme\", \"queues\": 4, \"msixVectors\": 4 }", "$.devices[0].msixVectors: expected at least 5 vectors (admin queue + one per I/O queue), found 4")]
    public void FieldErrorsNameFilePathExpectedAndFound(string from, string to, string expected) =>
        Assert.That(Err(Mutate(from, to)), Is.EqualTo("s.json: " + expected));

    [TestCase("\"run\": { \"duration\": \"1 fortnight\" }", "$.run.duration: expected a duration (nanoseconds, or a string like \"80ns\", \"10us\", \"1ms\"), found string \"1 fortnight\"")]
    [TestCase("\"run\": { \"transactions\": 0, \"duration\": 0 }", "$.run: expected a non-zero duration or transactions, found neither")]
    [TestCase("\"seed\": -1", "$.seed: expected a non-negative integer or a hex string like \"0x8000000\", found number -1")]
    [TestCase("\"platform\": { \"smmu\": { \"clock\": \"fast\" } }", "$.platform.smmu.clock: expected a frequency (Hz, or a string like \"1GHz\", \"800MHz\"), found string \"fast\"")]
    [TestCase("\"platform\": { \"smmu\": { \"tlbEntries\": 100, \"tlbWays\": 8 } }", "$.platform.smmu.tlbWays: expected a divisor of tlbEntries 100, found 8")]
    [TestCase("\"platform\": { \"smmu\": { \"oas\": 47 } }", "$.platform.smmu.oas: expected an output address size of 32, 36, 40, 42, 44, 48 or 52 bits, found number 47")]
    [TestCase("\"platform\": { \"smmu\": { \"tlbPolicy\": \"plru\" } }", "$.platform.smmu.tlbPolicy: expected one of \"lru\", \"fifo\", \"random\", found string \"plru\"")]
    [TestCase("\"platform\": { \"msi\": { \"kind\": \"gicv2m\", \"spiBase\": 1000, \"spiCount\": 64 } }", "$.platform.msi.spiCount: expected SPIs ending at or below INTID 1019 (base 1000), found 64")]
    [TestCase("\"platform\": { \"msi\": { \"position\": \"sideways\" } }", "$.platform.msi.position: expected one of \"downstream\", \"upstream\", found string \"sideways\"")]
    [TestCase("\"platform\": { \"memory\": { \"bandwidth\": \"fast\" } }", "$.platform.memory.bandwidth: expected a bandwidth (GB/s, or a string like \"25.6GB/s\", \"800MB/s\"), found string \"fast\"")]
    [TestCase("\"platform\": { \"link\": { \"maxPayloadSize\": 100 } }", "$.platform.link.maxPayloadSize: expected a power of two in 128..4096 bytes, found number 100")]
    [TestCase("\"platform\": { \"link\": { \"width\": 4 } }", "$.platform.link.width: expected one of \"x1\", \"x2\", \"x4\", \"x8\", \"x16\", \"x32\", found number 4")]
    [TestCase("\"iommuMap\": [ { \"ridBase\": 0, \"base\": 0, \"length\": 256 }, { \"ridBase\": 255, \"base\": 0, \"length\": 2 } ]", "$.iommuMap[1].ridBase: expected an RID range not overlapping another entry, found 0xff (overlaps $.iommuMap[0])")]
    [TestCase("\"msiMap\": [ { \"ridBase\": 65535, \"base\": 0, \"length\": 2 } ]", "$.msiMap[0].length: expected an entry ending at or below RID 0x10000, found 0x10001")]
    [TestCase("\"domains\": [ { \"device\": \"ep0\", \"kind\": \"vfio\", \"pageSize\": \"8KiB\" } ]", "$.domains[0].pageSize: expected a mapping size of 4KiB, 16KiB, 64KiB, 2MiB, 32MiB, 512MiB or 1GiB, found string \"8KiB\"")]
    [TestCase("\"domains\": [ { \"device\": \"ep0\", \"kind\": \"bypass\" } ]", "$.domains[0].kind: expected one of \"dma-strict\", \"dma-lazy\", \"vfio\", \"identity\", found string \"bypass\"")]
    [TestCase("\"domains\": [ { \"device\": \"ep9\", \"kind\": \"vfio\" } ]", "$.domains[0].device: expected the name of a device in $.devices, found \"ep9\"")]
    [TestCase("\"domains\": [ { \"device\": \"ep0\", \"kind\": \"vfio\" }, { \"device\": \"ep0\", \"kind\": \"identity\" } ]", "$.domains[1].device: expected one domain per device, found \"ep0\" (a second domain)")]
    [TestCase("\"domains\": [ { \"device\": \"ep0\", \"kind\": \"vfio\", \"pageSize\": \"2MiB\", \"iovaBase\": \"0x1000\" } ]", "$.domains[0].iovaBase: expected an IOVA aligned to the page size 0x200000, found 0x1000")]
    public void TopLevelErrors(string insert, string expected) =>
        Assert.That(Err(Mutate("\"name\": \"t\",", "\"name\": \"t\", " + insert + ",")), Is.EqualTo("s.json: " + expected));

    private const string Tree = """
        {
          "name": "tree",
          "topology": {
            "rootPorts": [ { "name": "rp0", "bdf": "00:01.0", "secondaryBus": 1 }, { "name": "rp1", "bdf": "00:02.0", "secondaryBus": 5 } ],
            "switches": [ { "name": "sw0", "parent": "rp0", "upstreamBdf": "01:00.0", "internalBus": 2,
              "downstreamPorts": [ { "name": "dp0", "bdf": "02:00.0", "secondaryBus": 3 }, { "name": "dp1", "bdf": "02:01.0", "secondaryBus": 4, "acs": true } ] } ],
            "bridges": [ { "name": "br0", "parent": "rp1", "bdf": "05:00.0", "secondaryBus": 6 } ],
            "endpoints": [
              { "name": "a", "parent": "dp0", "bdf": "03:00.0", "bars": [ { "index": 0, "address": "0x10000000", "size": "16KiB" } ] },
              { "name": "b", "parent": "dp1", "bdf": "04:00.0", "bars": [ { "index": 0, "address": "0x10004000", "size": "16KiB" } ] },
              { "name": "c", "parent": "br0", "bdf": "06:02.0", "bars": [ { "index": 2, "address": "0x8000000000", "size": "1MiB", "prefetchable": true } ] }
            ]
          },
          "devices": [ { "name": "a", "kind": "dma-engine" }, { "name": "b", "kind": "dma-engine" }, { "name": "c", "kind": "nic", "msixBar": 2 } ],
          "workloads": [ { "name": "w", "device": "a", "target": "b" } ]
        }
        """;

    [Test]
    public void TreeTopologyLoads()
    {
        Scenario s = ScenarioLoader.Parse(Tree, "tree.json");
        Assert.That(s.Topology.Switches[0].DownstreamPorts[1].Acs, Is.EqualTo(AcsSpec.Isolating));
        Assert.That(s.Topology.Bridges[0].SecondaryBus, Is.EqualTo(6));
        Assert.That(s.Topology.Endpoints[2].Bars[0], Is.EqualTo(new BarSpec(2, 0x80_0000_0000, 1 << 20, true)));
    }

    [TestCase("\"address\": \"0x10004000\"", "\"address\": \"0x10000000\"", "$.topology.endpoints[1].bars[0].address: expected a BAR not overlapping another BAR, found 0x10000000+0x4000 (overlaps $.topology.endpoints[0].bars[0])")]
    [TestCase("\"bdf\": \"04:00.0\"", "\"bdf\": \"05:01.0\"", "$.topology.endpoints[1].bdf: expected a BDF on bus 04 (the secondary bus of \"dp1\"), found \"05:01.0\"")]
    [TestCase("\"name\": \"b\", \"parent\": \"dp1\", \"bdf\": \"04:00.0\"", "\"name\": \"b\", \"parent\": \"dp0\", \"bdf\": \"03:00.0\"", "$.topology.endpoints[1].bdf: expected a unique BDF, found \"03:00.0\" (also used at $.topology.endpoints[0])")]
    [TestCase("\"name\": \"dp1\"", "\"name\": \"dp0\"", "$.topology.switches[0].downstreamPorts[1].name: expected a unique name, found \"dp0\" (also used at $.topology.switches[0].downstreamPorts[0])")]
    [TestCase("\"parent\": \"rp0\", \"upstreamBdf\"", "\"parent\": \"dp0\", \"upstreamBdf\"", "$.topology.switches[0].parent: expected the name of a root port or switch downstream port, found \"dp0\"")]
    [TestCase("\"internalBus\": 2", "\"internalBus\": 5", "$.topology.switches[0].internalBus: expected a bus number not used by another bridge, found 5 (also used at $.topology.rootPorts[1])")]
    [TestCase("\"parent\": \"rp1\"", "\"parent\": \"c\"", "$.topology.bridges[0].parent: expected the name of a root port or switch downstream port, found \"c\"")]
    [TestCase("\"acs\": true", "\"acs\": { \"requestRedirect\": 1 }", "$.topology.switches[0].downstreamPorts[1].acs.requestRedirect: expected true or false, found number 1")]
    [TestCase("{ \"name\": \"b\", \"kind\": \"dma-engine\" }", "{ \"name\": \"b\", \"endpoint\": \"a\", \"kind\": \"dma-engine\" }", "$.devices[1].endpoint: expected an endpoint not bound to another device, found \"a\" (bound at $.devices[0])")]
    public void TreeErrors(string from, string to, string expected)
    {
        Assert.That(Tree, Does.Contain(from), "test setup");
        string m = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(Tree.Replace(from, to, StringComparison.Ordinal), "tree.json"))!.Message;
        Assert.That(m, Is.EqualTo("tree.json: " + expected));
    }

    [Test]
    public void ExceptionCarriesParts()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(Mutate("\"device\": \"ep0\"", "\"device\": \"x\""), "f.json"))!;
        Assert.That((e.File, e.JsonPath, e.Expected, e.Found), Is.EqualTo(("f.json", "$.workloads[0].device", "the name of a device in $.devices", "\"x\"")));
    }
}

public class ScenarioUnitsTests
{
    [TestCase("4096", 4096UL)]
    [TestCase("4KiB", 4096UL)]
    [TestCase("2MiB", 2UL << 20)]
    [TestCase("1GiB", 1UL << 30)]
    [TestCase("1TiB", 1UL << 40)]
    [TestCase("512B", 512UL)]
    [TestCase("0x8000000", 0x8000000UL)]
    [TestCase("1.5KiB", 1536UL)]
    [TestCase(" 16 KiB ", 16384UL)]
    public void Sizes(string text, ulong bytes)
    {
        Assert.That(ScenarioUnits.TryParseSize(text, out ulong v), Is.True);
        Assert.That(v, Is.EqualTo(bytes));
    }

    [TestCase("")]
    [TestCase("KiB")]
    [TestCase("4kib")]
    [TestCase("0x")]
    [TestCase("-4KiB")]
    [TestCase("1.0001KiB")]
    [TestCase("99999999999TiB")]
    [TestCase("0xfffffffffffffffff")]
    public void BadSizes(string text) => Assert.That(ScenarioUnits.TryParseSize(text, out _), Is.False);

    [TestCase("1ms", 1_000_000_000UL)]
    [TestCase("10us", 10_000_000UL)]
    [TestCase("80ns", 80_000UL)]
    [TestCase("5ps", 5UL)]
    [TestCase("2s", 2_000_000_000_000UL)]
    [TestCase("80", 80_000UL)]
    [TestCase("0.5ns", 500UL)]
    public void Durations(string text, ulong ps)
    {
        Assert.That(ScenarioUnits.TryParseDuration(text, out ulong v), Is.True);
        Assert.That(v, Is.EqualTo(ps));
    }

    [TestCase("1GHz", 1_000_000_000UL)]
    [TestCase("800MHz", 800_000_000UL)]
    [TestCase("1.5GHz", 1_500_000_000UL)]
    [TestCase("100kHz", 100_000UL)]
    public void Frequencies(string text, ulong hz)
    {
        Assert.That(ScenarioUnits.TryParseFrequency(text, out ulong v), Is.True);
        Assert.That(v, Is.EqualTo(hz));
    }

    [TestCase("25.6GB/s", 25.6)]
    [TestCase("800MB/s", 0.8)]
    [TestCase("12", 12.0)]
    public void Bandwidths(string text, double bpns)
    {
        Assert.That(ScenarioUnits.TryParseBandwidth(text, out double v), Is.True);
        Assert.That(v, Is.EqualTo(bpns).Within(1e-12));
    }

    [TestCase("01:00.0", (ushort)0x0100)]
    [TestCase("0000:03:1f.7", (ushort)0x03ff)]
    [TestCase("ff:00.1", (ushort)0xff01)]
    public void RoutingIds(string text, ushort rid)
    {
        Assert.That(RoutingIdText.TryParse(text, out ushort v), Is.True);
        Assert.That(v, Is.EqualTo(rid));
        Assert.That(RoutingIdText.Format(rid), Is.EqualTo(text.Length > 7 ? text[5..] : text));
    }

    [TestCase("1:0:0.0")]
    [TestCase("0001:01:00.0")]
    [TestCase("01:00")]
    [TestCase("100:00.0")]
    [TestCase("01:00.8")]
    [TestCase("01:g0.0")]
    public void BadRoutingIds(string text) => Assert.That(RoutingIdText.TryParse(text, out _), Is.False);
}
