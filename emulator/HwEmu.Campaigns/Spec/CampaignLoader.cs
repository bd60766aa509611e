using System.Globalization;
using System.Text.Json;
using HwEmu.Devices.Platform;

namespace HwEmu.Campaigns;

/// <summary>
/// Reads campaign files (docs/fault-injection.md). Every error names the file, the JSON path and what was expected;
/// unknown properties are errors (a typo must not silently become a default). A referenced scenario is loaded and
/// validated first, so a campaign over a broken scenario fails before any run starts.
/// </summary>
public static class CampaignLoader
{
    private static readonly string[] TopLevel = ["name", "description", "seed", "scenario", "target", "machine", "runs", "faults"];
    private static readonly string[] MachineFields =
        ["msi", "devices", "steps", "vectors", "invalidation", "lazyBatch", "acs", "stepNs", "hangBoundNs", "eventQueueLog2",
         "memoryLatencyNs", "cpus", "tlbEntries", "deviceChecksPoison", "domainSwitchStep", "allowUnsafeInterrupts"];
    private static readonly string[] Common = ["name", "model", "runs", "when", "machine", "scenario"];

    /// <summary>Loads and validates <paramref name="path"/>.</summary>
    public static Campaign Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CampaignException(path, "$", "a readable campaign file", ex.Message, ex);
        }
        return Parse(text, path);
    }

    /// <summary>Parses campaign JSON; <paramref name="file"/> names it in errors and anchors a relative scenario path.</summary>
    public static Campaign Parse(string json, string file)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException ex)
        {
            throw new CampaignException(file, $"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}", "valid JSON", ex.Message, ex);
        }
        using (doc)
        {
            var r = new Reader(file);
            var root = doc.RootElement;
            r.Object(root, "$", TopLevel);
            string name = r.String(root, "$", "name") ?? "campaign";
            ulong seed = r.UInt64(root, "$", "seed") ?? 1;
            string? scenarioRef = r.String(root, "$", "scenario");
            bool onScenario = r.Enum(root, "$", "target", ("machine", false), ("scenario", true)) ?? false;
            if (onScenario && scenarioRef == null)
                throw new CampaignException(file, "$.scenario", "the scenario to run (\"target\": \"scenario\" runs the scenario's own machine)", "nothing");
            var machine = new MachineSpec();
            if (scenarioRef != null) machine = FromScenario(file, scenarioRef, onScenario);
            if (root.TryGetProperty("machine", out var m)) machine = r.Machine(m, "$.machine", machine);
            int defaultRuns = (int)(r.Int(root, "$", "runs", 1, 10_000_000) ?? 100);
            if (!root.TryGetProperty("faults", out var faults) || faults.ValueKind != JsonValueKind.Array || faults.GetArrayLength() == 0)
                throw new CampaignException(file, "$.faults", "a non-empty array of fault entries", Found(root, "faults"));
            var list = new List<FaultSpec>();
            int i = 0;
            foreach (var f in faults.EnumerateArray())
                list.Add(r.Fault(f, $"$.faults[{i++}]", machine, defaultRuns));
            return new Campaign
            {
                Name = name, Description = r.String(root, "$", "description") ?? "", Seed = seed, Scenario = scenarioRef,
                Faults = list, SourceText = json,
            };
        }
    }

    private static MachineSpec FromScenario(string file, string scenarioRef, bool onScenario, string jsonPath = "$.scenario")
    {
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
        string candidate = Path.IsPathRooted(scenarioRef) ? scenarioRef : Path.Combine(baseDir, scenarioRef);
        Scenario s;
        try { s = ScenarioLoader.LoadFileOrBuiltIn(File.Exists(candidate) ? candidate : scenarioRef); }
        catch (ScenarioException ex)
        {
            throw new CampaignException(file, jsonPath, "a valid scenario", $"\"{scenarioRef}\" is invalid: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or KeyNotFoundException)
        {
            throw new CampaignException(file, jsonPath, "a scenario file or built-in scenario name", $"\"{scenarioRef}\" ({ex.Message})", ex);
        }
        // Phase 1: the campaign machine takes the scenario's platform; its workloads run once `hwemu run` lands.
        var p = s.Platform;
        return new MachineSpec
        {
            Msi = p.Msi.Kind == MsiControllerKind.Its ? MsiKind.Its : MsiKind.Gicv2m,
            Cpus = Math.Clamp(p.Msi.CpuCount, 1, 256),
            MemoryLatencyNs = Math.Max(1, p.Memory.LatencyPs / 1000),
            TlbEntries = Math.Max(4, p.Smmu.TlbEntries),
            Devices = Math.Clamp(s.Devices.Count, 2, 8),
            Scenario = onScenario ? s : null,
        };
    }

    private static string Found(JsonElement obj, string prop) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(prop, out var v) ? Describe(v) : "nothing";

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "\"" + v.GetString() + "\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
        JsonValueKind.Null => "null",
        _ => v.GetRawText(),
    };

    private sealed class Reader(string file)
    {
        public CampaignException Error(string path, string expected, string found) => new(file, path, expected, found);

        public void Object(JsonElement e, string path, string[] allowed)
        {
            if (e.ValueKind != JsonValueKind.Object) throw Error(path, "an object", Describe(e));
            foreach (var p in e.EnumerateObject())
                if (Array.IndexOf(allowed, p.Name) < 0)
                    throw Error($"{path}.{p.Name}", "one of the properties " + string.Join(", ", allowed), $"unknown property \"{p.Name}\"");
        }

        public string? String(JsonElement o, string path, string prop)
        {
            if (!o.TryGetProperty(prop, out var v)) return null;
            if (v.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(v.GetString())) throw Error($"{path}.{prop}", "a non-empty string", Describe(v));
            return v.GetString();
        }

        public ulong? UInt64(JsonElement o, string path, string prop)
        {
            if (!o.TryGetProperty(prop, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out ulong x)) return x;
            throw Error($"{path}.{prop}", "a non-negative integer", Describe(v));
        }

        public long? Int(JsonElement o, string path, string prop, long min, long max)
        {
            if (!o.TryGetProperty(prop, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long x) && x >= min && x <= max) return x;
            throw Error($"{path}.{prop}", string.Create(CultureInfo.InvariantCulture, $"an integer in {min}..{max}"), Describe(v));
        }

        public bool? Bool(JsonElement o, string path, string prop)
        {
            if (!o.TryGetProperty(prop, out var v)) return null;
            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
            throw Error($"{path}.{prop}", "true or false", Describe(v));
        }

        public T? Enum<T>(JsonElement o, string path, string prop, params (string Name, T Value)[] names) where T : struct
        {
            if (!o.TryGetProperty(prop, out var v)) return null;
            if (v.ValueKind == JsonValueKind.String)
                foreach (var (n, val) in names)
                    if (n == v.GetString()) return val;
            throw Error($"{path}.{prop}", "one of " + string.Join(", ", names.Select(n => "\"" + n.Name + "\"")), Describe(v));
        }

        public ValueRange? Range(JsonElement o, string path, string prop, long min, long max)
        {
            if (!o.TryGetProperty(prop, out var v)) return null;
            string expected = string.Create(CultureInfo.InvariantCulture, $"an integer in {min}..{max} or [min, max] within it");
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long x) && x >= min && x <= max) return ValueRange.Of(x);
            if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 2
                && v[0].ValueKind == JsonValueKind.Number && v[0].TryGetInt64(out long a)
                && v[1].ValueKind == JsonValueKind.Number && v[1].TryGetInt64(out long b)
                && a >= min && b <= max && a <= b) return new ValueRange(a, b);
            throw Error($"{path}.{prop}", expected, Describe(v));
        }

        public MachineSpec Machine(JsonElement m, string path, MachineSpec b)
        {
            Object(m, path, MachineFields);
            var r = b with
            {
                Msi = Enum(m, path, "msi", ("its", MsiKind.Its), ("gicv2m", MsiKind.Gicv2m)) ?? b.Msi,
                Devices = (int)(Int(m, path, "devices", 2, 8) ?? b.Devices),
                Steps = (int)(Int(m, path, "steps", 1, 100_000) ?? b.Steps),
                Vectors = (int)(Int(m, path, "vectors", 1, 16) ?? b.Vectors),
                Invalidation = Enum(m, path, "invalidation", ("strict", InvalidationMode.Strict), ("lazy", InvalidationMode.Lazy)) ?? b.Invalidation,
                LazyBatch = (int)(Int(m, path, "lazyBatch", 1, 4096) ?? b.LazyBatch),
                Acs = Bool(m, path, "acs") ?? b.Acs,
                StepNs = (ulong)(Int(m, path, "stepNs", 1000, 1_000_000_000) ?? (long)b.StepNs),
                HangBoundNs = (ulong)(Int(m, path, "hangBoundNs", 100, 1_000_000_000) ?? (long)b.HangBoundNs),
                EventQueueLog2 = (int)(Int(m, path, "eventQueueLog2", 1, 10) ?? b.EventQueueLog2),
                MemoryLatencyNs = (ulong)(Int(m, path, "memoryLatencyNs", 1, 100_000) ?? (long)b.MemoryLatencyNs),
                Cpus = (int)(Int(m, path, "cpus", 1, 64) ?? b.Cpus),
                TlbEntries = (int)(Int(m, path, "tlbEntries", 4, 1 << 20) ?? b.TlbEntries),
                DeviceChecksPoison = Bool(m, path, "deviceChecksPoison") ?? b.DeviceChecksPoison,
                DomainSwitchStep = (int)(Int(m, path, "domainSwitchStep", -1, 100_000) ?? b.DomainSwitchStep),
                AllowUnsafeInterrupts = Bool(m, path, "allowUnsafeInterrupts") ?? b.AllowUnsafeInterrupts,
            };
            if (r.Msi == MsiKind.Gicv2m && r.Devices * r.Vectors > 64)
                throw Error($"{path}.vectors", "devices × vectors ≤ 64 (the GICv2m frame has 64 SPIs)", string.Create(CultureInfo.InvariantCulture, $"{r.Devices} × {r.Vectors}"));
            if (r.Devices < 2) throw Error($"{path}.devices", "at least 2 devices (victim and peer faults need two)", r.Devices.ToString(CultureInfo.InvariantCulture));
            return r;
        }

        public FaultSpec Fault(JsonElement f, string path, MachineSpec baseMachine, int defaultRuns)
        {
            if (f.ValueKind != JsonValueKind.Object) throw Error(path, "a fault object", Describe(f));
            if (!f.TryGetProperty("model", out var mv) || mv.ValueKind != JsonValueKind.String || !FaultModels.TryParse(mv.GetString()!, out var model))
                throw Error($"{path}.model", "one of " + string.Join(", ", FaultModels.Names), Found(f, "model"));
            var allowed = Common.Concat(FaultModels.Parameters(model)).ToArray();
            Object(f, path, allowed);
            // An entry's own "scenario" runs that scenario's machine (a scenario target) for this entry only.
            string? entryScenario = String(f, path, "scenario");
            if (entryScenario != null) baseMachine = FromScenario(file, entryScenario, onScenario: true, $"{path}.scenario");
            var machine = f.TryGetProperty("machine", out var mm) ? Machine(mm, $"{path}.machine", baseMachine) : baseMachine;
            int devMax = machine.Devices - 1;
            var spec = new FaultSpec
            {
                Model = model,
                Machine = machine,
                Runs = (int)(Int(f, path, "runs", 1, 10_000_000) ?? defaultRuns),
                When = Trigger(f, path, machine),
                Structure = Enum(f, path, "structure", ("pte", StructureKind.Pte), ("ste", StructureKind.Ste), ("cd", StructureKind.Cd),
                    ("dte", StructureKind.Dte), ("ite", StructureKind.Ite), ("cte", StructureKind.Cte)) ?? StructureKind.Pte,
                Device = Range(f, path, "device", 0, devMax) ?? ValueRange.Of(0),
                Level = Range(f, path, "level", 0, 3) ?? ValueRange.Of(3),
                Vector = Range(f, path, "vector", 0, machine.Vectors - 1) ?? ValueRange.Of(0),
                Bit = Range(f, path, "bit", 0, 511),
                Command = Enum(f, path, "command", ("tlbi", CommandKind.Tlbi), ("cfgi", CommandKind.Cfgi), ("sync", CommandKind.Sync), ("any", CommandKind.Any)) ?? CommandKind.Tlbi,
                DelayNs = Range(f, path, "delayNs", 0, 1_000_000_000) ?? ValueRange.Of(10_000),
                Region = Enum(f, path, "region", ("unmapped", OutsideRegion.Unmapped), ("msi-window", OutsideRegion.MsiWindow), ("peer-bar", OutsideRegion.PeerBar)) ?? OutsideRegion.Unmapped,
                Peer = Range(f, path, "peer", 0, devMax) ?? ValueRange.Of(1),
                Victim = Range(f, path, "victim", 0, devMax) ?? ValueRange.Of(1),
                EventId = Range(f, path, "eventId", 0, uint.MaxValue),
                Offset = Range(f, path, "offset", 0, 0xFFFF),
                Data = Range(f, path, "data", 0, uint.MaxValue),
                Burst = Range(f, path, "burst", 1, 4096),
                Status = Enum(f, path, "status", ("UR", CompletionStatus.Ur), ("CA", CompletionStatus.Ca), ("poisoned", CompletionStatus.Poisoned)) ?? CompletionStatus.Ur,
                ExtraNs = Range(f, path, "extraNs", 0, 1_000_000_000) ?? ValueRange.Of(1000),
                DurationNs = Range(f, path, "durationNs", 1, 1_000_000_000) ?? ValueRange.Of(10_000),
            };
            if (FaultModels.IsMemoryFault(model) && machine.Msi == MsiKind.Gicv2m && spec.Structure is StructureKind.Dte or StructureKind.Ite or StructureKind.Cte)
                throw Error($"{path}.structure", "pte, ste or cd (the machine's MSI controller is GICv2m, which has no ITS tables)", "\"" + spec.Structure.ToString().ToLowerInvariant() + "\"");
            if (model == FaultModel.DropCommand && spec.Command == CommandKind.Any)
                throw Error($"{path}.command", "\"tlbi\", \"cfgi\" or \"sync\"", "\"any\"");
            if (machine.Scenario is not null)
            {
                // Phase 2 covers the faults that need no hook inside the scenario machine's own flow.
                if (model is not (FaultModel.BitFlip or FaultModel.StuckAt0 or FaultModel.StuckAt1 or FaultModel.TlbCorrupt or FaultModel.RogueMsi or FaultModel.DmaOutside or FaultModel.DuplicateMsi))
                    throw Error($"{path}.model", "bitflip, stuck-at-0, stuck-at-1, tlb-corrupt, rogue-msi, dma-outside or duplicate-msi (the fault models available on a scenario target)", $"\"{FaultModels.Name(model)}\"");
                if (spec.When.Kind == TriggerKind.Step || (spec.When.Kind == TriggerKind.Nth && spec.When.Of is not (TriggerEvent.Dma or TriggerEvent.Msi)))
                    throw Error($"{path}.when", "{ \"timeNs\": … } or { \"nth\": …, \"of\": \"dma\" | \"msi\" } (a scenario has no steps)", f.TryGetProperty("when", out var wv) ? Describe(wv) : "nothing (the default is a step)");
            }
            string label = f.TryGetProperty("name", out _) ? String(f, path, "name")! : DefaultName(spec);
            return spec with { Name = label };
        }

        private TriggerSpec Trigger(JsonElement f, string path, MachineSpec machine)
        {
            if (!f.TryGetProperty("when", out var w)) return new TriggerSpec(TriggerKind.Step, new ValueRange(0, machine.Steps - 1));
            string wp = path + ".when";
            Object(w, wp, ["step", "timeNs", "nth", "of"]);
            int kinds = (w.TryGetProperty("step", out _) ? 1 : 0) + (w.TryGetProperty("timeNs", out _) ? 1 : 0) + (w.TryGetProperty("nth", out _) ? 1 : 0);
            if (kinds != 1) throw Error(wp, "exactly one of \"step\", \"timeNs\", \"nth\"", kinds == 0 ? "none" : "several");
            if (w.TryGetProperty("step", out _)) return new TriggerSpec(TriggerKind.Step, Range(w, wp, "step", 0, machine.Steps - 1)!.Value);
            if (w.TryGetProperty("timeNs", out _)) return new TriggerSpec(TriggerKind.Time, Range(w, wp, "timeNs", 0, 1_000_000_000_000)!.Value);
            var of = Enum(w, wp, "of", ("dma", TriggerEvent.Dma), ("msi", TriggerEvent.Msi), ("map", TriggerEvent.Map), ("unmap", TriggerEvent.Unmap), ("command", TriggerEvent.Command))
                ?? throw Error($"{wp}.of", "the counted event: \"dma\", \"msi\", \"map\", \"unmap\" or \"command\"", "nothing");
            return new TriggerSpec(TriggerKind.Nth, Range(w, wp, "nth", 0, 100_000_000)!.Value, of);
        }

        private static string DefaultName(FaultSpec s)
        {
            string m = FaultModels.Name(s.Model);
            string machine = CampaignResults.MachineLabel(s.Machine);
            return s.Model switch
            {
                FaultModel.BitFlip or FaultModel.StuckAt0 or FaultModel.StuckAt1 => $"{m} {s.Structure.ToString().ToUpperInvariant()} ({machine})",
                FaultModel.DropCommand or FaultModel.DelayCommand or FaultModel.CmdqCorrupt => $"{m} {s.Command.ToString().ToUpperInvariant()} ({machine})",
                FaultModel.DmaOutside => $"{m} {s.Region.ToString().ToLowerInvariant()} ({machine})",
                FaultModel.CompletionError => $"{m} {s.Status.ToString().ToUpperInvariant()} ({machine})",
                _ => $"{m} ({machine})",
            };
        }
    }
}
