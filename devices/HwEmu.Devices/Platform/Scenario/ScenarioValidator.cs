using System.Globalization;

namespace HwEmu.Devices.Platform;

/// <summary>
/// Cross-reference checks on a loaded or built-in <see cref="Scenario"/>, run before any simulation: unique names
/// and BDFs, parents that exist, buses that match the parent's secondary bus, BARs aligned, inside a host-bridge
/// window and not overlapping, devices bound to existing endpoints, domains and workloads naming existing devices.
/// Paths in errors follow the JSON layout (list indices as in the file).
/// </summary>
public static class ScenarioValidator
{
    /// <summary>Throws a <see cref="ScenarioException"/> for the first inconsistency in <paramref name="s"/>.</summary>
    public static void Validate(Scenario s, string file)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(file);
        TopologySpec t = s.Topology;

        // Port names a child may name as parent, with the bus below each.
        var ports = new Dictionary<string, (int Bus, string Path)>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var bdfs = new Dictionary<string, string>(StringComparer.Ordinal);
        var buses = new Dictionary<int, string>();

        void Name(string name, string path)
        {
            if (!names.TryAdd(name, path)) throw new ScenarioException(file, path + ".name", "a unique name", Q(name) + " (also used at " + names[name] + ")");
        }
        void Bdf(string bdf, string path, string field = ".bdf")
        {
            if (!bdfs.TryAdd(bdf, path)) throw new ScenarioException(file, path + field, "a unique BDF", Q(bdf) + " (also used at " + bdfs[bdf] + ")");
        }
        void Bus(int bus, string path)
        {
            if (!buses.TryAdd(bus, path)) throw new ScenarioException(file, path + ".secondaryBus", "a bus number not used by another bridge", N(bus) + " (also used at " + buses[bus] + ")");
        }
        void OnBus(string bdf, int bus, string path, string field, string what)
        {
            RoutingIdText.TryParse(bdf, out ushort rid);
            if (rid >> 8 != bus) throw new ScenarioException(file, path + field, $"a BDF on bus {bus:x2} ({what})", Q(bdf));
        }

        for (int i = 0; i < t.RootPorts.Count; i++)
        {
            RootPortSpec rp = t.RootPorts[i];
            string path = $"$.topology.rootPorts[{i}]";
            Name(rp.Name, path);
            Bdf(rp.Bdf, path);
            OnBus(rp.Bdf, 0, path, ".bdf", "root ports are on bus 00");
            Bus(rp.SecondaryBus, path);
            ports[rp.Name] = (rp.SecondaryBus, path);
        }

        // Switches may hang below other switches: resolve in dependency order, reporting the first dangling parent.
        var pending = new List<int>();
        for (int i = 0; i < t.Switches.Count; i++) pending.Add(i);
        while (pending.Count > 0)
        {
            int before = pending.Count;
            for (int k = 0; k < pending.Count; k++)
            {
                int i = pending[k];
                SwitchSpec sw = t.Switches[i];
                if (!ports.TryGetValue(sw.Parent, out var parent)) continue;
                string path = $"$.topology.switches[{i}]";
                Name(sw.Name, path);
                Bdf(sw.UpstreamBdf, path, ".upstreamBdf");
                OnBus(sw.UpstreamBdf, parent.Bus, path, ".upstreamBdf", "the secondary bus of " + Q(sw.Parent));
                if (!buses.TryAdd(sw.InternalBus, path))
                    throw new ScenarioException(file, path + ".internalBus", "a bus number not used by another bridge", N(sw.InternalBus) + " (also used at " + buses[sw.InternalBus] + ")");
                for (int p = 0; p < sw.DownstreamPorts.Count; p++)
                {
                    SwitchPortSpec dp = sw.DownstreamPorts[p];
                    string pp = $"{path}.downstreamPorts[{p}]";
                    Name(dp.Name, pp);
                    Bdf(dp.Bdf, pp);
                    OnBus(dp.Bdf, sw.InternalBus, pp, ".bdf", "the internal bus of switch " + Q(sw.Name));
                    Bus(dp.SecondaryBus, pp);
                    ports[dp.Name] = (dp.SecondaryBus, pp);
                }
                pending.RemoveAt(k--);
            }
            if (pending.Count == before)
            {
                int i = pending[0];
                throw new ScenarioException(file, $"$.topology.switches[{i}].parent", "the name of a root port or switch downstream port", Q(t.Switches[i].Parent));
            }
        }

        for (int i = 0; i < t.Bridges.Count; i++)
        {
            PciBridgeSpec b = t.Bridges[i];
            string path = $"$.topology.bridges[{i}]";
            if (!ports.TryGetValue(b.Parent, out var parent))
                throw new ScenarioException(file, path + ".parent", "the name of a root port or switch downstream port", Q(b.Parent));
            Name(b.Name, path);
            Bdf(b.Bdf, path);
            OnBus(b.Bdf, parent.Bus, path, ".bdf", "the secondary bus of " + Q(b.Parent));
            Bus(b.SecondaryBus, path);
            ports[b.Name] = (b.SecondaryBus, path);
        }

        var endpoints = new Dictionary<string, EndpointSpec>(StringComparer.Ordinal);
        var bars = new List<(ulong Start, ulong End, string Path)>();
        HostBridgeSpec hb = t.HostBridge;
        for (int i = 0; i < t.Endpoints.Count; i++)
        {
            EndpointSpec e = t.Endpoints[i];
            string path = $"$.topology.endpoints[{i}]";
            if (!ports.TryGetValue(e.Parent, out var parent))
                throw new ScenarioException(file, path + ".parent", "the name of a root port, switch downstream port or PCI bridge", Q(e.Parent));
            Name(e.Name, path);
            Bdf(e.Bdf, path);
            OnBus(e.Bdf, parent.Bus, path, ".bdf", "the secondary bus of " + Q(e.Parent));
            endpoints[e.Name] = e;
            var indices = new HashSet<int>();
            for (int b = 0; b < e.Bars.Count; b++)
            {
                BarSpec bar = e.Bars[b];
                string bp = $"{path}.bars[{b}]";
                if (!indices.Add(bar.Index)) throw new ScenarioException(file, bp + ".index", "a BAR number not used by another BAR of this endpoint", N(bar.Index));
                if (bar.Size < 16 || (bar.Size & (bar.Size - 1)) != 0) throw new ScenarioException(file, bp + ".size", "a power of two of at least 16 bytes", H(bar.Size));
                if ((bar.Address & (bar.Size - 1)) != 0) throw new ScenarioException(file, bp + ".address", "an address aligned to the BAR size " + H(bar.Size), H(bar.Address));
                ulong end = bar.Address + bar.Size;
                bool in32 = bar.Address >= hb.Mmio32Base && end > bar.Address && end <= hb.Mmio32Base + hb.Mmio32Size;
                bool in64 = bar.Address >= hb.Mmio64Base && end > bar.Address && end <= hb.Mmio64Base + hb.Mmio64Size;
                if (!in32 && !in64)
                    throw new ScenarioException(file, bp + ".address", $"a BAR inside a host bridge window ({H(hb.Mmio32Base)}+{H(hb.Mmio32Size)} or {H(hb.Mmio64Base)}+{H(hb.Mmio64Size)})", H(bar.Address) + "+" + H(bar.Size));
                foreach ((ulong os, ulong oe, string op) in bars)
                    if (bar.Address < oe && os < end)
                        throw new ScenarioException(file, bp + ".address", "a BAR not overlapping another BAR", H(bar.Address) + "+" + H(bar.Size) + " (overlaps " + op + ")");
                bars.Add((bar.Address, end, bp));
            }
        }

        var devices = new Dictionary<string, DeviceSpec>(StringComparer.Ordinal);
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < s.Devices.Count; i++)
        {
            DeviceSpec d = s.Devices[i];
            string path = $"$.devices[{i}]";
            if (!devices.TryAdd(d.Name, d)) throw new ScenarioException(file, path + ".name", "a unique device name", Q(d.Name));
            if (!endpoints.TryGetValue(d.Endpoint, out EndpointSpec? ep))
                throw new ScenarioException(file, path + ".endpoint", "the name of an endpoint in $.topology.endpoints", Q(d.Endpoint));
            if (!bound.TryAdd(d.Endpoint, path)) throw new ScenarioException(file, path + ".endpoint", "an endpoint not bound to another device", Q(d.Endpoint) + " (bound at " + bound[d.Endpoint] + ")");
            if (d.MsixVectors > 0)
            {
                BarSpec? bar = null;
                foreach (BarSpec b in ep.Bars) if (b.Index == d.MsixBar) bar = b;
                if (bar is null) throw new ScenarioException(file, path + ".msixBar", "a BAR of endpoint " + Q(ep.Name), N(d.MsixBar));
                ulong tableEnd = d.MsixTableOffset + (ulong)d.MsixVectors * 16;
                ulong pbaEnd = d.MsixPbaOffset + (ulong)((d.MsixVectors + 63) / 64) * 8;
                if ((d.MsixTableOffset & 7) != 0 || tableEnd > bar.Size)
                    throw new ScenarioException(file, path + ".msixTableOffset", $"a QWORD-aligned table of {d.MsixVectors} entries inside BAR {d.MsixBar} ({H(bar.Size)} bytes)", H(d.MsixTableOffset));
                if ((d.MsixPbaOffset & 7) != 0 || pbaEnd > bar.Size || (d.MsixPbaOffset < tableEnd && d.MsixTableOffset < pbaEnd))
                    throw new ScenarioException(file, path + ".msixPbaOffset", $"a QWORD-aligned PBA inside BAR {d.MsixBar} not overlapping the table", H(d.MsixPbaOffset));
            }
            if (d.Kind == DeviceKind.Nvme && d.MsixVectors < d.Queues + 1 && d.MsixVectors > 0)
                throw new ScenarioException(file, path + ".msixVectors", $"at least {d.Queues + 1} vectors (admin queue + one per I/O queue)", N(d.MsixVectors));
        }

        var domains = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < s.Domains.Count; i++)
        {
            DomainSpec d = s.Domains[i];
            string path = $"$.domains[{i}]";
            if (!devices.ContainsKey(d.Device)) throw new ScenarioException(file, path + ".device", "the name of a device in $.devices", Q(d.Device));
            if (!domains.Add(d.Device)) throw new ScenarioException(file, path + ".device", "one domain per device", Q(d.Device) + " (a second domain)");
            if ((d.IovaBase & (d.PageSize - 1)) != 0) throw new ScenarioException(file, path + ".iovaBase", "an IOVA aligned to the page size " + H(d.PageSize), H(d.IovaBase));
        }

        var workloads = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < s.Workloads.Count; i++)
        {
            WorkloadSpec w = s.Workloads[i];
            string path = $"$.workloads[{i}]";
            if (!workloads.Add(w.Name)) throw new ScenarioException(file, path + ".name", "a unique workload name", Q(w.Name));
            if (!devices.ContainsKey(w.Device)) throw new ScenarioException(file, path + ".device", "the name of a device in $.devices", Q(w.Device));
            if (w.Target.Length > 0)
            {
                if (!devices.TryGetValue(w.Target, out DeviceSpec? peer) || w.Target == w.Device)
                    throw new ScenarioException(file, path + ".target", "the name of another device in $.devices", Q(w.Target));
                if (endpoints[peer.Endpoint].Bars.Count == 0)
                    throw new ScenarioException(file, path + ".target", "a device with a BAR to target", Q(w.Target) + " (no BARs)");
            }
            if (w.TransferSize > w.WorkingSet) throw new ScenarioException(file, path + ".transferSize", "a transfer size no larger than the working set " + H(w.WorkingSet), H(w.TransferSize));
        }

        CheckMap(s.IommuMap, "$.iommuMap", file);
        CheckMap(s.MsiMap, "$.msiMap", file);
        MsiControllerSpec msi = s.Platform.Msi;
        if (msi.Kind == MsiControllerKind.Gicv2m && msi.SpiBase + msi.SpiCount > 1020)
            throw new ScenarioException(file, "$.platform.msi.spiCount", $"SPIs ending at or below INTID 1019 (base {msi.SpiBase})", N((int)msi.SpiCount));
        if (s.Platform.Smmu.TlbEntries % s.Platform.Smmu.TlbWays != 0)
            throw new ScenarioException(file, "$.platform.smmu.tlbWays", "a divisor of tlbEntries " + N(s.Platform.Smmu.TlbEntries), N(s.Platform.Smmu.TlbWays));
    }

    private static void CheckMap(ValueList<RidMapEntry> map, string path, string file)
    {
        for (int i = 0; i < map.Count; i++)
        {
            RidMapEntry a = map[i];
            if (a.RidBase + a.Length > 0x10000) throw new ScenarioException(file, $"{path}[{i}].length", "an entry ending at or below RID 0x10000", H(a.RidBase + a.Length));
            for (int k = 0; k < i; k++)
            {
                RidMapEntry b = map[k];
                if (a.RidBase < b.RidBase + b.Length && b.RidBase < a.RidBase + a.Length)
                    throw new ScenarioException(file, $"{path}[{i}].ridBase", "an RID range not overlapping another entry", $"{H(a.RidBase)} (overlaps {path}[{k}])");
            }
        }
    }

    private static string Q(string s) => "\"" + s + "\"";
    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string H(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
}
