using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HwEmu.Devices.Platform;

/// <summary>
/// Writes a <see cref="Scenario"/> as scenario JSON (docs/scenario-schema.md) that <see cref="ScenarioLoader.Parse"/>
/// reads back to an equal record: every field is written explicitly, addresses in hex, durations in ps, frequencies
/// in Hz, bandwidth in GB/s with round-trip precision. A trace header carries this text so a replay rebuilds the
/// same platform. Deterministic: equal scenarios give identical bytes.
/// </summary>
public static class ScenarioWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The scenario as JSON, indented or on one line.</summary>
    public static string ToJson(Scenario scenario, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteString("name", scenario.Name);
            w.WriteString("description", scenario.Description);
            w.WriteNumber("seed", scenario.Seed);
            WritePlatform(w, scenario.Platform);
            WriteTopology(w, scenario.Topology);
            WriteMap(w, "iommuMap", scenario.IommuMap);
            w.WriteNumber("iommuMapMask", scenario.IommuMapMask);
            WriteMap(w, "msiMap", scenario.MsiMap);
            w.WriteNumber("msiMapMask", scenario.MsiMapMask);
            w.WriteStartArray("devices");
            foreach (DeviceSpec d in scenario.Devices)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Name);
                w.WriteString("endpoint", d.Endpoint);
                w.WriteString("kind", d.Kind switch { DeviceKind.Nvme => "nvme", DeviceKind.Nic => "nic", _ => "dma-engine" });
                w.WriteNumber("msiVectors", d.MsiVectors);
                w.WriteNumber("msixVectors", d.MsixVectors);
                w.WriteNumber("msixBar", d.MsixBar);
                w.WriteString("msixTableOffset", Hex(d.MsixTableOffset));
                w.WriteString("msixPbaOffset", Hex(d.MsixPbaOffset));
                w.WriteNumber("queues", d.Queues);
                w.WriteNumber("queueEntries", d.QueueEntries);
                w.WriteNumber("coalesce", d.CoalesceCount);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("domains");
            foreach (DomainSpec d in scenario.Domains)
            {
                w.WriteStartObject();
                w.WriteString("device", d.Device);
                w.WriteString("kind", d.Kind switch { DomainKind.DmaLazy => "dma-lazy", DomainKind.Vfio => "vfio", DomainKind.Identity => "identity", _ => "dma-strict" });
                w.WriteString("pageSize", Hex(d.PageSize));
                w.WriteString("iovaBase", Hex(d.IovaBase));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("workloads");
            foreach (WorkloadSpec l in scenario.Workloads)
            {
                w.WriteStartObject();
                w.WriteString("name", l.Name);
                w.WriteString("device", l.Device);
                w.WriteString("pattern", l.Pattern switch { AccessPattern.Sequential => "sequential", AccessPattern.Zipf => "zipf", _ => "random" });
                w.WriteString("transferSize", Hex(l.TransferSize));
                w.WriteNumber("readFraction", l.ReadFraction);
                w.WriteString("workingSet", Hex(l.WorkingSet));
                w.WriteNumber("rate", l.Rate);
                w.WriteNumber("queueDepth", l.QueueDepth);
                w.WriteNumber("zipfTheta", l.ZipfTheta);
                if (!string.IsNullOrEmpty(l.Target)) w.WriteString("target", l.Target);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("run");
            if (scenario.Run.DurationPs != 0) w.WriteString("duration", Ps(scenario.Run.DurationPs));
            if (scenario.Run.Transactions != 0) w.WriteNumber("transactions", scenario.Run.Transactions);
            w.WriteString("sampleInterval", Ps(scenario.Run.SampleIntervalPs));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WritePlatform(Utf8JsonWriter w, PlatformSpec p)
    {
        w.WriteStartObject("platform");
        w.WriteStartObject("memory");
        w.WriteString("base", Hex(p.Memory.Base));
        w.WriteString("size", Hex(p.Memory.Size));
        w.WriteString("latency", Ps(p.Memory.LatencyPs));
        w.WriteString("bandwidth", p.Memory.BytesPerNanosecond.ToString("R", Inv) + "GB/s");
        w.WriteNumber("outstanding", p.Memory.Outstanding);
        w.WriteEndObject();
        SmmuSpec s = p.Smmu;
        w.WriteStartObject("smmu");
        w.WriteString("base", Hex(s.Base));
        w.WriteString("clock", s.ClockHz.ToString(Inv) + "Hz");
        w.WriteNumber("tlbEntries", s.TlbEntries);
        w.WriteNumber("tlbWays", s.TlbWays);
        w.WriteString("tlbPolicy", s.TlbPolicy switch { TlbPolicy.Fifo => "fifo", TlbPolicy.Random => "random", _ => "lru" });
        w.WriteNumber("walkCacheEntries", s.WalkCacheEntries);
        w.WriteNumber("configCacheEntries", s.ConfigCacheEntries);
        w.WriteNumber("translationSlots", s.TranslationSlots);
        w.WriteNumber("concurrentWalks", s.ConcurrentWalks);
        w.WriteString("stages", s.Stages switch { SmmuStages.Stage2 => "s2", SmmuStages.Nested => "nested", _ => "s1" });
        w.WriteNumber("oas", s.Oas);
        w.WriteBoolean("rangeInvalidation", s.RangeInvalidation);
        w.WriteEndObject();
        MsiControllerSpec m = p.Msi;
        w.WriteStartObject("msi");
        w.WriteString("kind", m.Kind == MsiControllerKind.Its ? "its" : "gicv2m");
        w.WriteString("position", m.Position == MsiPosition.Upstream ? "upstream" : "downstream");
        w.WriteString("base", Hex(m.Base));
        w.WriteString("gicdBase", Hex(m.GicdBase));
        w.WriteString("gicrBase", Hex(m.GicrBase));
        w.WriteNumber("cpus", m.CpuCount);
        w.WriteNumber("spiBase", m.SpiBase);
        w.WriteNumber("spiCount", m.SpiCount);
        w.WriteString("deliveryLatency", Ps(m.DeliveryLatencyPs));
        w.WriteEndObject();
        WriteLink(w, "link", p.Link);
        w.WriteEndObject();
    }

    private static void WriteLink(Utf8JsonWriter w, string name, LinkSpec l)
    {
        w.WriteStartObject(name);
        w.WriteNumber("generation", l.Generation);
        w.WriteString("width", "x" + l.Width.ToString(Inv));
        w.WriteNumber("maxPayloadSize", l.MaxPayloadSize);
        w.WriteNumber("maxReadRequestSize", l.MaxReadRequestSize);
        w.WriteNumber("tags", l.Tags);
        w.WriteString("propagation", Ps(l.PropagationPs));
        w.WriteEndObject();
    }

    private static void WriteTopology(Utf8JsonWriter w, TopologySpec t)
    {
        w.WriteStartObject("topology");
        w.WriteStartObject("hostBridge");
        w.WriteString("ecamBase", Hex(t.HostBridge.EcamBase));
        w.WriteString("mmio32Base", Hex(t.HostBridge.Mmio32Base));
        w.WriteString("mmio32Size", Hex(t.HostBridge.Mmio32Size));
        w.WriteString("mmio64Base", Hex(t.HostBridge.Mmio64Base));
        w.WriteString("mmio64Size", Hex(t.HostBridge.Mmio64Size));
        w.WriteEndObject();
        w.WriteStartArray("rootPorts");
        foreach (RootPortSpec rp in t.RootPorts)
        {
            w.WriteStartObject();
            w.WriteString("name", rp.Name);
            w.WriteString("bdf", rp.Bdf);
            w.WriteNumber("secondaryBus", rp.SecondaryBus);
            if (rp.Acs is not null) WriteAcs(w, rp.Acs);
            if (rp.Link is not null) WriteLink(w, "link", rp.Link);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("switches");
        foreach (SwitchSpec sw in t.Switches)
        {
            w.WriteStartObject();
            w.WriteString("name", sw.Name);
            w.WriteString("parent", sw.Parent);
            w.WriteString("upstreamBdf", sw.UpstreamBdf);
            w.WriteNumber("internalBus", sw.InternalBus);
            w.WriteStartArray("downstreamPorts");
            foreach (SwitchPortSpec dp in sw.DownstreamPorts)
            {
                w.WriteStartObject();
                w.WriteString("name", dp.Name);
                w.WriteString("bdf", dp.Bdf);
                w.WriteNumber("secondaryBus", dp.SecondaryBus);
                if (dp.Acs is not null) WriteAcs(w, dp.Acs);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("bridges");
        foreach (PciBridgeSpec b in t.Bridges)
        {
            w.WriteStartObject();
            w.WriteString("name", b.Name);
            w.WriteString("parent", b.Parent);
            w.WriteString("bdf", b.Bdf);
            w.WriteNumber("secondaryBus", b.SecondaryBus);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("endpoints");
        foreach (EndpointSpec e in t.Endpoints)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Name);
            w.WriteString("parent", e.Parent);
            w.WriteString("bdf", e.Bdf);
            w.WriteStartArray("bars");
            foreach (BarSpec bar in e.Bars)
            {
                w.WriteStartObject();
                w.WriteNumber("index", bar.Index);
                w.WriteString("address", Hex(bar.Address));
                w.WriteString("size", Hex(bar.Size));
                w.WriteBoolean("prefetchable", bar.Prefetchable);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteAcs(Utf8JsonWriter w, AcsSpec a)
    {
        w.WriteStartObject("acs");
        w.WriteBoolean("sourceValidation", a.SourceValidation);
        w.WriteBoolean("requestRedirect", a.RequestRedirect);
        w.WriteBoolean("completionRedirect", a.CompletionRedirect);
        w.WriteBoolean("upstreamForwarding", a.UpstreamForwarding);
        w.WriteBoolean("egressControl", a.EgressControl);
        w.WriteBoolean("directTranslatedP2p", a.DirectTranslatedP2p);
        w.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter w, string name, ValueList<RidMapEntry> map)
    {
        w.WriteStartArray(name);
        foreach (RidMapEntry e in map)
        {
            w.WriteStartObject();
            w.WriteNumber("ridBase", e.RidBase);
            w.WriteNumber("base", e.Base);
            w.WriteNumber("length", e.Length);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static string Hex(ulong v) => "0x" + v.ToString("x", Inv);
    private static string Ps(ulong ps) => ps.ToString(Inv) + "ps";
}
