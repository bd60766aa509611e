using System.Text;
using System.Text.Json;

namespace HwEmu.Campaigns;

/// <summary>
/// Results files (<c>--results F</c>): the per-run records of a campaign or shard as JSON, read back by
/// <c>hwemu inject merge</c>. Format "hwemu-inject-results/1" (docs/fault-injection.md).
/// </summary>
public static class ResultsFile
{
    /// <summary>Format tag.</summary>
    public const string Format = "hwemu-inject-results/1";

    /// <summary>Writes <paramref name="results"/> as JSON.</summary>
    public static void Write(CampaignResults results, Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteString("campaign", results.Name);
        w.WriteString("fingerprint", results.Fingerprint);
        w.WriteNumber("seed", results.Seed);
        w.WriteNumber("totalRuns", results.TotalRuns);
        w.WriteString("shard", results.Shard);
        w.WriteStartArray("faults");
        foreach (var f in results.Faults)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Name);
            w.WriteString("model", f.Model);
            w.WriteNumber("runs", f.Runs);
            w.WriteString("machine", f.Machine);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("runs");
        foreach (var r in results.Records)
        {
            w.WriteStartObject();
            w.WriteNumber("run", r.Run);
            w.WriteNumber("fault", r.Fault);
            w.WriteString("outcome", Outcomes.Name(r.Outcome));
            w.WriteBoolean("activated", r.Activated);
            w.WriteNumber("latencyPs", r.DetectionLatencyPs);
            w.WriteString("detail", r.Detail);
            w.WriteString("plan", r.Plan);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes to a file.</summary>
    public static void WriteFile(CampaignResults results, string path)
    {
        using var fs = File.Create(path);
        Write(results, fs);
    }

    /// <summary>Reads a results file; errors name the file and the JSON path.</summary>
    public static CampaignResults Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CampaignException(path, "$", "a readable results file", ex.Message, ex);
        }
        return Parse(Encoding.UTF8.GetString(bytes), path);
    }

    /// <summary>Parses results JSON.</summary>
    public static CampaignResults Parse(string json, string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string format = Str(root, "$", "format", file);
            if (format != Format) throw new CampaignException(file, "$.format", $"\"{Format}\"", $"\"{format}\"");
            var faults = new List<FaultInfo>();
            int i = 0;
            foreach (var f in Arr(root, "$", "faults", file))
            {
                string p = $"$.faults[{i++}]";
                faults.Add(new FaultInfo(Str(f, p, "name", file), Str(f, p, "model", file), Int(f, p, "runs", file), Str(f, p, "machine", file)));
            }
            var runs = new List<RunRecord>();
            i = 0;
            foreach (var r in Arr(root, "$", "runs", file))
            {
                string p = $"$.runs[{i++}]";
                string o = Str(r, p, "outcome", file);
                if (!Outcomes.TryParse(o, out var outcome)) throw new CampaignException(file, p + ".outcome", "an outcome name", $"\"{o}\"");
                int fault = Int(r, p, "fault", file);
                if (fault < 0 || fault >= faults.Count) throw new CampaignException(file, p + ".fault", $"a fault index below {faults.Count}", fault.ToString(System.Globalization.CultureInfo.InvariantCulture));
                runs.Add(new RunRecord(Int(r, p, "run", file), fault, outcome, Bool(r, p, "activated", file),
                    Long(r, p, "latencyPs", file), Str(r, p, "detail", file, allowEmpty: true), Str(r, p, "plan", file)));
            }
            return new CampaignResults
            {
                Name = Str(root, "$", "campaign", file), Fingerprint = Str(root, "$", "fingerprint", file),
                Seed = root.TryGetProperty("seed", out var s) && s.TryGetUInt64(out ulong seed) ? seed : throw new CampaignException(file, "$.seed", "an unsigned integer", "something else"),
                TotalRuns = Int(root, "$", "totalRuns", file), Shard = Str(root, "$", "shard", file), Faults = faults,
                Records = runs.OrderBy(r => r.Run).ToArray(),
            };
        }
        catch (JsonException ex)
        {
            throw new CampaignException(file, $"line {ex.LineNumber + 1}", "valid JSON", ex.Message, ex);
        }
    }

    private static JsonElement Get(JsonElement o, string path, string prop, string file, JsonValueKind kind, string expected)
    {
        if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(prop, out var v) || v.ValueKind != kind)
            throw new CampaignException(file, $"{path}.{prop}", expected, "something else or nothing");
        return v;
    }

    private static string Str(JsonElement o, string path, string prop, string file, bool allowEmpty = false)
    {
        string s = Get(o, path, prop, file, JsonValueKind.String, "a string").GetString()!;
        if (!allowEmpty && s.Length == 0) throw new CampaignException(file, $"{path}.{prop}", "a non-empty string", "\"\"");
        return s;
    }

    private static int Int(JsonElement o, string path, string prop, string file) =>
        Get(o, path, prop, file, JsonValueKind.Number, "an integer").TryGetInt32(out int v) ? v : throw new CampaignException(file, $"{path}.{prop}", "a 32-bit integer", "another number");

    private static long Long(JsonElement o, string path, string prop, string file) =>
        Get(o, path, prop, file, JsonValueKind.Number, "an integer").TryGetInt64(out long v) ? v : throw new CampaignException(file, $"{path}.{prop}", "a 64-bit integer", "another number");

    private static bool Bool(JsonElement o, string path, string prop, string file)
    {
        if (o.TryGetProperty(prop, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        throw new CampaignException(file, $"{path}.{prop}", "true or false", "something else or nothing");
    }

    private static JsonElement.ArrayEnumerator Arr(JsonElement o, string path, string prop, string file) =>
        Get(o, path, prop, file, JsonValueKind.Array, "an array").EnumerateArray();
}
